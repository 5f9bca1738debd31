"""Writes the small data files the data-reader tests read (run from this folder: python3 make_data_fixtures.py).

idx/: a tiny MNIST look-alike of 5 images of 4 rows × 3 columns, written byte by byte from the IDX format's
definition (http://yann.lecun.com/exdb/mnist/), independently of Backprop's reader:
  - pixel k (row-major, k = 0…11) of image i (i = 0…4) is (37·i + 11·k) mod 256
  - the labels are 3, 0, 9, 1, 7
  train-*: the files uncompressed, with MNIST's names
  t10k-*.gz: the same bytes gzipped by Python's gzip module (mtime 0, so the output never changes)
  two-members-images-idx3-ubyte.gz: the same image bytes as two concatenated gzip members (as `cat a.gz b.gz`)
csv/measurements.csv.gz: a gzipped CSV of 3 rows (the text is in CSV_TEXT below)
"""

import gzip
import os
import struct

PIXELS = bytes((37 * i + 11 * k) % 256 for i in range(5) for k in range(12))
LABELS = bytes([3, 0, 9, 1, 7])
IMAGES_FILE = struct.pack(">IIII", 0x00000803, 5, 4, 3) + PIXELS
LABELS_FILE = struct.pack(">II", 0x00000801, 5) + LABELS
CSV_TEXT = b"width,height,kind\n1.5,2,cat\n-3e1,0.25,dog\n4,+5,cat\n"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


write("idx/train-images-idx3-ubyte", IMAGES_FILE)
write("idx/train-labels-idx1-ubyte", LABELS_FILE)
write("idx/t10k-images-idx3-ubyte.gz", gz(IMAGES_FILE))
write("idx/t10k-labels-idx1-ubyte.gz", gz(LABELS_FILE))
write("idx/two-members-images-idx3-ubyte.gz", gz(IMAGES_FILE[:30]) + gz(IMAGES_FILE[30:]))
write("csv/measurements.csv.gz", gz(CSV_TEXT))
