#!/usr/bin/env bash
# Fuzzes one of backprop-fuzz's targets with libFuzzer, coverage-guided, under AddressSanitizer:
#
#   Scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]      TARGET: idx, idx-gzip, csv, model or cli
#
# The build goes to .build-fuzz (release, -sanitize=address, coverage counters, linked with the toolchain's
# libclang_rt.fuzzer_no_main). The checked-in seeds are Fuzz/Corpus/TARGET; what the fuzzer finds interesting goes
# to .build-fuzz/corpus/TARGET, and a crashing input to .build-fuzz/artifacts/ (check it in under
# Fuzz/Regressions/TARGET with a test once fixed). Exits non-zero on a crash, a hang (10 s), a 2 GB RSS or an
# allocation over 1 GB. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: Scripts/fuzz.sh idx|idx-gzip|csv|model|cli SECONDS [libFuzzer flags]}
seconds=${2:?usage: Scripts/fuzz.sh TARGET SECONDS}
shift 2

toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -1)
[ -n "$runtime" ] || { echo "fuzz.sh: libclang_rt.fuzzer_no_main not found in $toolchain (a swift.org Linux toolchain has it)" >&2; exit 69; }

swift build -c release --scratch-path .build-fuzz --product backprop-fuzz --sanitize=address \
  -Xswiftc -DFUZZING -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
  -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | grep -v "Cannot export local symbol" >&2

mkdir -p ".build-fuzz/corpus/$target" .build-fuzz/artifacts
dictionary=()
[ -f "Fuzz/Dictionaries/$target.dict" ] && dictionary=(-dict="Fuzz/Dictionaries/$target.dict")
case $target in cli) max_len=512 ;; *) max_len=8192 ;; esac
# Swift's own crash backtracer would run inside AddressSanitizer's report; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
exec .build-fuzz/release/backprop-fuzz "$target" ".build-fuzz/corpus/$target" "Fuzz/Corpus/$target" \
  "${dictionary[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -max_len="$max_len" -artifact_prefix=".build-fuzz/artifacts/$target-" -print_final_stats=1 "$@"
