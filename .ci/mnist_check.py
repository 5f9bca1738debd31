#!/usr/bin/env python3
"""Runs `backprop train` runs and checks their test accuracy (and peak memory) against the issue's bars.

usage: mnist_check.py --min-mean-accuracy A [--max-rss-mb M] [--seeds 0,1,2] -- backprop train ARGS...

Each seed's run writes its history to a temporary JSON Lines file; the last line holds test_accuracy. Peak
resident memory is the largest ru_maxrss of the runs (Linux reports kilobytes). Accuracy is a property of the
result, not of the machine, so this is a correctness check, not a timing.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--min-mean-accuracy", type=float, required=True)
parser.add_argument("--max-rss-mb", type=float)
parser.add_argument("--seeds", default="1")
parser.add_argument("command", nargs=argparse.REMAINDER)
args = parser.parse_args()
command = args.command[1:] if args.command[:1] == ["--"] else args.command

accuracies = []
with tempfile.TemporaryDirectory() as folder:
    for seed in args.seeds.split(","):
        history = os.path.join(folder, f"history-{seed}.jsonl")
        run = command + ["--seed", seed, "--history", history, "--out", os.path.join(folder, f"model-{seed}.safetensors"), "--quiet"]
        result = subprocess.run(run, stdout=subprocess.DEVNULL)
        if result.returncode != 0:
            sys.exit(f"FAIL: {' '.join(run)} exited with {result.returncode}")
        lines = open(history).read().splitlines()
        final = json.loads(lines[-1])
        epochs = [json.loads(line) for line in lines[:-1]]
        accuracies.append(final["test_accuracy"])
        seconds = sum(e["seconds"] for e in epochs)
        print(f"seed {seed}: test accuracy {100 * final['test_accuracy']:.2f}% after {len(epochs)} epochs ({seconds:.1f} s of epochs)")

peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
mean = sum(accuracies) / len(accuracies)
print(f"mean test accuracy {100 * mean:.2f}% (bar {100 * args.min_mean_accuracy:.2f}%), peak resident memory {peak_mb:.0f} MB"
      + (f" (bar {args.max_rss_mb:.0f} MB)" if args.max_rss_mb else ""))
if mean < args.min_mean_accuracy:
    sys.exit("FAIL: accuracy below the bar")
if args.max_rss_mb and peak_mb > args.max_rss_mb:
    sys.exit("FAIL: peak memory above the bar")
