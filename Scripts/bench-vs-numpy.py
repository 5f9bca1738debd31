#!/usr/bin/env python3
"""Runs backprop-bench and ../shared/bench's NumPy scripts interleaved, round after round, on the same machine,
and prints medians and the ratio Backprop / NumPy for every figure. Machines here are shared and noisy: only
ratios measured in the same run mean anything.

usage: Scripts/bench-vs-numpy.py [--rounds 3] [--workloads A,B,C,D,gemm] [--epochs 2] [--threads 1]

Needs a release build (swift build -c release --product backprop-bench) and NumPy (threadpoolctl for gemm).
Epoch times are pooled over all epochs of all rounds, as ../shared/bench/RESULTS.md does.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
BENCH = os.path.join(ROOT, ".build", "release", "backprop-bench")

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--workloads", default="A,B,C,D,gemm")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
workloads = args.workloads.split(",")
training = [w for w in workloads if w in "ABCD"]


def results(command, env=None):
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{out.stderr}")
    return [json.loads(line[7:]) for line in out.stdout.splitlines() if line.startswith("RESULT ")]


figures = {}  # (figure, tool) -> list of values


def add(figure, tool, values):
    figures.setdefault((figure, tool), []).extend(values)


def collect(records, tool):
    for r in records:
        if r.get("kind") == "gemm":
            seconds = r.get("median_s", r.get("t_median"))
            add("gemm " + r["shape"] + " (GFLOP/s)", tool, [2.0 * r["M"] * r["N"] * r["K"] / seconds / 1e9])
        elif r.get("workload") in ("A", "B"):
            add(f"{r['workload']} epoch (s)", tool, r["epoch_times"])
            add(f"{r['workload']} test accuracy after last epoch", tool, [r["test_acc"][-1]])
        elif r.get("workload") == "C":
            add("C XOR 10k steps (s)", tool, [r["time_s"]])
        elif r.get("workload") == "D":
            add(f"D inference batch {r['batch']} (images/s)", tool, r["images_per_s"])


env = dict(os.environ, BENCH_EPOCHS=str(args.epochs), OPENBLAS_NUM_THREADS=str(args.threads))
for round in range(args.rounds):
    if training:
        collect(results([BENCH] + training + ["--epochs", str(args.epochs), "--run", str(round),
                         "--threads", str(args.threads)]), "backprop")
        collect(results([sys.executable, os.path.join(SHARED, "bench_numpy.py"), "--threads", str(args.threads),
                         "--workloads", ",".join(training), "--run", str(round)], env), "numpy")
    if "gemm" in workloads:
        collect(results([BENCH, "gemm", "--gemm-repeat", "5", "--threads", str(args.threads)]), "backprop")
        collect(results([sys.executable, os.path.join(SHARED, "gemm.py"), "--lib", "numpy", "--threads",
                         str(args.threads)], env), "numpy")
    print(f"round {round + 1}/{args.rounds} done", file=sys.stderr)

print(f"| figure ({args.threads} thread{'s' if args.threads > 1 else ''}, medians over {args.rounds} rounds) "
      "| Backprop | NumPy | Backprop / NumPy |")
print("|---|---|---|---|")
for figure in sorted({f for f, _ in figures}):
    ours, theirs = figures.get((figure, "backprop")), figures.get((figure, "numpy"))
    if not ours or not theirs:
        continue
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"| {figure} | {a:.4g} | {b:.4g} | {a / b:.3f} |")
