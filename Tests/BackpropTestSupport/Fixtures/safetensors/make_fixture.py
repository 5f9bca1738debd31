"""Writes `reference.safetensors`, the fixture Backprop's safetensors reader and writer are checked against.

Run from this folder with `python3 make_fixture.py` (needs `pip install safetensors numpy`; made with
safetensors 0.8.0 and NumPy 2.4). The file is produced by Hugging Face's own writer, so its bytes are an
independent truth for `SafetensorsTests`:

- every dtype Backprop reads (U64, I64, F64, F32, U8), a 0-d scalar and an empty [2, 0] tensor;
- bit patterns a careless writer would change: -0.0, quiet NaNs with payloads, a signalling NaN, ±infinity,
  subnormals, the extreme integers;
- a tensor name with characters JSON must escape (quote, backslash, newline, tab, U+0001) and one it must not
  (slash, é);
- one metadata entry (the reference writer orders several metadata keys arbitrarily, so one keeps the bytes
  reproducible), its value long enough that the header needs 5 bytes of space padding.

The reference writer orders tensors by dtype (U64, I64, F64, F32, U8) and then by name; Backprop orders by name
only. The names below sort the same both ways, so Backprop's encoding of the same tensors must equal this file
byte for byte. The script checks the file with the library and with a plain struct/json reading before saving.
"""

import json
import struct

import numpy as np
import safetensors
from safetensors.numpy import load, save

tensors = {
    "a.counts": np.array([0, 1, 0xFFFF_FFFF_FFFF_FFFF], dtype=np.uint64),
    "b.steps": np.array([[-1, -(2**63)], [2**63 - 1, 42]], dtype=np.int64),
    "c.weight": np.array([0x8000_0000_0000_0000,        # -0.0
                          0x7FF8_0000_0000_0001,        # quiet NaN, payload 1
                          0x7FF0_0000_0000_0001,        # signalling NaN
                          0x0000_0000_0000_0001,        # smallest subnormal
                          0x3FF0_0000_0000_0000,        # 1.0
                          0xFFF0_0000_0000_0000],       # -infinity
                         dtype=np.uint64).view(np.float64).reshape(3, 2),
    "d.bias": np.array([0x3FC0_0000,                    # 1.5
                        0x8000_0000,                    # -0.0
                        0xFFC0_1234,                    # negative quiet NaN with payload
                        0x7F80_0000,                    # +infinity
                        0x0000_0001,                    # smallest subnormal
                        0x7F7F_FFFF],                   # greatest finite Float
                       dtype=np.uint32).view(np.float32).reshape(2, 3),
    "e.scale": np.array(0.25, dtype=np.float32),        # 0-d: shape []
    "f.empty": np.zeros((2, 0), dtype=np.uint8),        # no elements: data_offsets [x, x]
    'g.name "quoted" \\ / é\n\t\x01': np.array([0, 127, 255], dtype=np.uint8),
}
metadata = {"format": "backprop test fixture v1"}

data = save(tensors, metadata=metadata)

# Independent check of the layout with nothing but struct and json.
(n,) = struct.unpack("<Q", data[:8])
assert (8 + n) % 8 == 0, "header is padded to a multiple of 8"
assert data[8 + n - 6 : 8 + n] == b"}     ", "the fixture exercises the padding"
header = json.loads(data[8 : 8 + n].decode("utf-8"))
assert header.pop("__metadata__") == metadata
ends = sorted((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in header.items())
assert [k for _, _, k in ends] == sorted(tensors), "data is in name order"
assert ends[-1][1] == len(data) - 8 - n, "data section fully covered"
for name, array in tensors.items():
    begin, end = header[name]["data_offsets"]
    assert data[8 + n + begin : 8 + n + end] == array.astype(array.dtype.newbyteorder("<")).tobytes()

loaded = load(data)
for name, array in tensors.items():
    assert loaded[name].tobytes() == array.tobytes() and loaded[name].shape == array.shape

with open("reference.safetensors", "wb") as f:
    f.write(data)
print(f"reference.safetensors: {len(data)} bytes, header {n} bytes, safetensors {safetensors.__version__}")
