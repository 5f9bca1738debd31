#!/usr/bin/env python3
"""Checks a Backprop model file with Python's `safetensors` and NumPy, independently of Backprop.

usage: check_model_file.py MODEL INSPECT.json

INSPECT.json is `backprop inspect MODEL --json --tensors`. Every tensor that Backprop reports must read back in
safetensors with the same shape and the same float32 values, bit for bit, and the metadata must parse.
"""
import json
import sys

import numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open

model, report_path = sys.argv[1], sys.argv[2]
report = json.load(open(report_path))
tensors = load_file(model)
with safe_open(model, framework="numpy") as f:
    metadata = f.metadata()
assert metadata["format"] == "backprop", metadata
assert metadata["format_version"] == "1", metadata
description = json.loads(metadata["backprop"])
assert description["architecture"]["sizes"] == report["sizes"], (description["architecture"], report["sizes"])

expected = report["tensors"]
assert set(expected) == set(tensors), (sorted(expected), sorted(tensors))
for name, values in expected.items():
    array = tensors[name]
    assert array.dtype == np.float32, (name, array.dtype)
    want = np.array(values, dtype=np.float64).astype(np.float32).reshape(array.shape)
    assert np.array_equal(array.view(np.uint32), want.view(np.uint32)), name
sizes = report["sizes"]
for l in range(len(sizes) - 1):
    assert tensors[f"layers.{l}.weight"].shape == (sizes[l + 1], sizes[l])
print(f"{model}: {len(tensors)} tensors read back equal in safetensors {__import__('safetensors').__version__}")
