#!/usr/bin/env python3
"""Runs backprop-bench and ../shared/bench's NumPy scripts interleaved, round after round, on the same machine,
and prints medians and the ratio Backprop / NumPy for every figure. Machines here are shared and noisy: only
ratios measured in the same run mean anything.

usage: Scripts/bench-vs-numpy.py [--rounds 3] [--workloads A,B,C,D,gemm] [--epochs 2] [--threads 1[,2…]]

With several thread counts (--threads 1,2), each round runs every count in turn, one table per count follows, and
a last table sets each tool's figures with more threads against its own with the first count (B with 2 threads
against 1, measured in the same run).

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
parser.add_argument("--threads", default="1", help="a thread count, or several separated by commas")
args = parser.parse_args()
workloads = args.workloads.split(",")
training = [w for w in workloads if w in "ABCD"]
thread_counts = [int(t) for t in args.threads.split(",")]


def results(command, env=None):
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{out.stderr}")
    return [json.loads(line[7:]) for line in out.stdout.splitlines() if line.startswith("RESULT ")]


figures = {}  # (threads, figure, tool) -> list of values


def add(threads, figure, tool, values):
    figures.setdefault((threads, figure, tool), []).extend(values)


def collect(threads, records, tool):
    for r in records:
        if r.get("kind") == "gemm":
            seconds = r.get("median_s", r.get("t_median"))
            add(threads, "gemm " + r["shape"] + " (GFLOP/s)", tool, [2.0 * r["M"] * r["N"] * r["K"] / seconds / 1e9])
        elif r.get("workload") in ("A", "B"):
            add(threads, f"{r['workload']} epoch (s)", tool, r["epoch_times"])
            add(threads, f"{r['workload']} test accuracy after last epoch", tool, [r["test_acc"][-1]])
        elif r.get("workload") == "C":
            add(threads, "C XOR 10k steps (s)", tool, [r["time_s"]])
        elif r.get("workload") == "D":
            add(threads, f"D inference batch {r['batch']} (images/s)", tool, r["images_per_s"])


for round in range(args.rounds):
    for threads in thread_counts:
        env = dict(os.environ, BENCH_EPOCHS=str(args.epochs), OPENBLAS_NUM_THREADS=str(threads))
        if training:
            collect(threads, results([BENCH] + training + ["--epochs", str(args.epochs), "--run", str(round),
                                     "--threads", str(threads)]), "backprop")
            collect(threads, results([sys.executable, os.path.join(SHARED, "bench_numpy.py"), "--threads",
                                     str(threads), "--workloads", ",".join(training), "--run", str(round)], env), "numpy")
        if "gemm" in workloads:
            collect(threads, results([BENCH, "gemm", "--gemm-repeat", "5", "--threads", str(threads)]), "backprop")
            collect(threads, results([sys.executable, os.path.join(SHARED, "gemm.py"), "--lib", "numpy", "--threads",
                                     str(threads)], env), "numpy")
    print(f"round {round + 1}/{args.rounds} done", file=sys.stderr)


def median(threads, figure, tool):
    values = figures.get((threads, figure, tool))
    return statistics.median(values) if values else None


names = sorted({f for _, f, _ in figures})
for threads in thread_counts:
    print(f"\n| figure ({threads} thread{'s' if threads > 1 else ''}, medians over {args.rounds} rounds) "
          "| Backprop | NumPy | Backprop / NumPy |")
    print("|---|---|---|---|")
    for figure in names:
        a, b = median(threads, figure, "backprop"), median(threads, figure, "numpy")
        if a is not None and b is not None:
            print(f"| {figure} | {a:.4g} | {b:.4g} | {a / b:.3f} |")

# Speed-up with more threads: time with the first count / time with more (images/s the other way round).
first = thread_counts[0]
for threads in thread_counts[1:]:
    print(f"\n| speed-up, {threads} threads over {first} (same run) | Backprop | NumPy |")
    print("|---|---|---|")
    for figure in names:
        if "accuracy" in figure or figure.startswith("gemm"):
            continue
        cells = []
        for tool in ("backprop", "numpy"):
            one, more = median(first, figure, tool), median(threads, figure, tool)
            speedup = None if one is None or more is None else (more / one if "images/s" in figure else one / more)
            cells.append("" if speedup is None else f"{speedup:.2f}×")
        print(f"| {figure} | {cells[0]} | {cells[1]} |")
