#!/usr/bin/env python3
"""Checks `backprop export onnx` with the `onnx` and `onnxruntime` packages, independently of Backprop.

usage: check_onnx.py BACKPROP [--mnist DIR]

Trains small models with BACKPROP (a CSV classifier, a regression model and a multi-label model, all with
`--target` and so standardized, and an MNIST model with image scaling), between them every activation Backprop has.
Each is exported, checked by `onnx.checker.check_model(full_check=True)` (which runs shape inference), and run by
onnxruntime on the inputs `backprop predict` reads; the outputs must equal the values `predict` writes within
1e-5 (max |difference|). A single-row batch must give the same as the full batch (the batch dimension is
symbolic). Also: `export onnx` to a missing folder exits 64 and writes nothing; a file that is not a model exits 1.
"""
import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime

TOLERANCE = 1e-5

parser = argparse.ArgumentParser()
parser.add_argument("backprop")
parser.add_argument("--mnist", default="data/mnist")
args = parser.parse_args()


def run(*arguments, expect=0):
    result = subprocess.run([args.backprop, *arguments], capture_output=True, text=True)
    if result.returncode != expect:
        sys.exit(f"FAIL: backprop {' '.join(arguments)} exited with {result.returncode}, expected {expect}\n{result.stderr}")
    return result


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def number(value):
    """A float32 as the shortest decimal that reads back as it, so Backprop and NumPy read the same bits."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def read_predictions(path, columns):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(row[c]) for c in columns] for row in rows], dtype=np.float64)


def probabilities(metadata):
    """predict's p_<class> (or p_<label>) columns, in the model's class order."""
    return ["p_" + name for name in json.loads(metadata["classes"])]


def read_idx_images(path):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    assert data[:4] == b"\x00\x00\x08\x03", path
    count, rows, columns = (int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * columns).astype(np.float32)


def check(name, description, features, predict_input, output_columns):
    """Runs NAME.onnx on `features` and compares with `backprop predict NAME.safetensors --input predict_input`."""
    model_path, onnx_path = path(name + ".safetensors"), path(name + ".onnx")
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == 7, model.ir_version
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)], model.opset_import
    version = run("--version").stdout.split()[0]
    assert (model.producer_name, model.producer_version) == ("backprop", version), (model.producer_name, version)
    metadata = {p.key: p.value for p in model.metadata_props}
    graph = model.graph
    assert [i.name for i in graph.input] == ["input"] and [o.name for o in graph.output] == ["output"]
    batch = graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == "N", batch

    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    outputs = session.run(["output"], {"input": features})[0]
    single = session.run(["output"], {"input": features[:1]})[0]
    assert single.shape == (1, outputs.shape[1]) and np.array_equal(single[0], outputs[0]), (single, outputs[:1])

    predictions = path(name + "-predictions.csv")
    run("predict", model_path, "--input", predict_input, "--output", predictions)
    expected = read_predictions(predictions, output_columns(metadata))
    assert expected.shape == outputs.shape, (expected.shape, outputs.shape)
    difference = float(np.max(np.abs(outputs.astype(np.float64) - expected)))
    operators = [n.op_type for n in graph.node]
    print(f"{description}: {len(operators)} operators ({', '.join(dict.fromkeys(operators))}); "
          f"max |onnxruntime − predict| = {difference:.3g} over {outputs.shape[0]}×{outputs.shape[1]} outputs")
    if not difference <= TOLERANCE:
        sys.exit(f"FAIL: {description}: onnxruntime and predict differ by {difference} > {TOLERANCE}")
    return metadata


rng = np.random.default_rng(7)
with tempfile.TemporaryDirectory() as folder:
    def path(name):
        return os.path.join(folder, name)

    # Features on very different scales, so the standardization matters.
    def table(count):
        x = rng.normal(size=(count, 4)) * [1, 10, 0.1, 100] + [0, 50, -1, 1000]
        return x.astype(np.float32)

    # A classifier with string classes: tanh and GELU hidden layers, softmax output.
    x = table(400)
    z = x[:, 0] + (x[:, 1] - 50) / 10 - (x[:, 3] - 1000) / 100
    species = np.where(z < -1, "setosa", np.where(z < 1, "versicolor", "virginica"))
    header = ["sepal", "petal", "stem", "leaf"]
    write_csv(path("classes.csv"), header + ["species"], [[*map(number, r), s] for r, s in zip(x, species)])
    run("train", "--data", path("classes.csv"), "--target", "species", "--hidden", "16,8",
        "--activation", "tanh,gelu,softmax", "--epochs", "40", "--quiet", "--out", path("classes.safetensors"))
    new = table(200)
    write_csv(path("classes-new.csv"), header, [list(map(number, r)) for r in new])
    run("export", "onnx", path("classes.safetensors"), "--out", path("classes.onnx"))
    metadata = check("classes", "classifier (tanh, gelu, softmax)", new, path("classes-new.csv"), probabilities)
    assert json.loads(metadata["classes"]) == ["setosa", "versicolor", "virginica"], metadata
    assert metadata["task"] == "classification" and json.loads(metadata["feature_names"]) == header, metadata

    # Regression on a numeric column, targets standardized: sigmoid and ELU hidden layers, linear output; the
    # target column sits in the middle and predict's input keeps it (predict ignores it).
    x = table(400)
    y = 3 * x[:, 0] - 2 * np.sin((x[:, 1] - 50) / 10) + (x[:, 3] - 1000) / 50 + 10
    write_csv(path("values.csv"), ["a", "b", "price", "c", "d"],
              [[number(r[0]), number(r[1]), number(t), number(r[2]), number(r[3])] for r, t in zip(x, y)])
    run("train", "--data", path("values.csv"), "--target", "price", "--hidden", "12,6",
        "--activation", "sigmoid,elu,linear", "--epochs", "40", "--quiet", "--out", path("values.safetensors"))
    run("export", "onnx", path("values.safetensors"), "--out", path("values.onnx"))
    metadata = check("values", "regression (sigmoid, elu, linear)", x, path("values.csv"),
                     lambda m: json.loads(m["target_columns"]))
    assert metadata["task"] == "regression" and json.loads(metadata["target_columns"]) == ["price"], metadata

    # Multi-label: softplus and leaky ReLU hidden layers, sigmoid outputs.
    x = table(300)
    labels = np.stack([x[:, 0] > 0, x[:, 1] + x[:, 2] * 100 > 50], axis=1).astype(int)
    write_csv(path("labels.csv"), header + ["red", "blue"], [[*map(number, r), *l] for r, l in zip(x, labels)])
    run("train", "--data", path("labels.csv"), "--target", "red", "--target", "blue", "--hidden", "8,8",
        "--activation", "softplus,leaky-relu,sigmoid", "--epochs", "40", "--quiet", "--out", path("labels.safetensors"))
    run("export", "onnx", path("labels.safetensors"), "--out", path("labels.onnx"))
    metadata = check("labels", "multi-label (softplus, leaky-relu, sigmoid)", x, path("labels.csv"), probabilities)
    assert metadata["task"] == "multi-label", metadata

    # MNIST: pixel bytes in, divided by 255 in the graph; relu and softmax. --out left to its default.
    run("train", "--data", args.mnist, "--hidden", "32", "--epochs", "1", "--quiet", "--out", path("mnist.safetensors"))
    run("export", "onnx", path("mnist.safetensors"))
    assert os.path.exists(path("mnist.onnx")), "the default --out is MODEL with the extension .onnx"
    images = os.path.join(args.mnist, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        images = images[: -len(".gz")]
    check("mnist", "MNIST (relu, softmax; input bytes / 255)", read_idx_images(images), images, probabilities)

    # Errors: an --out in a missing folder is a usage error found before anything is read; a file that is not
    # a model is the library's error. Neither leaves a file behind.
    result = run("export", "onnx", path("classes.safetensors"), "--out", path("missing/model.onnx"), expect=64)
    assert "missing" in result.stderr and not os.path.exists(path("missing")), result.stderr
    result = run("export", "onnx", path("classes.csv"), "--out", path("not-a-model.onnx"), expect=1)
    assert not os.path.exists(path("not-a-model.onnx")), result.stderr
    print(f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}: every export checks and matches predict "
          f"within {TOLERANCE}")
