#!/usr/bin/env python3
"""Checks that a training report rendered in a real browser: the screenshot (PNG) has the expected size, the
regions where its charts are drawn are not blank, and the browser logged no console error.

Usage: check_report.py SCREENSHOT.png BROWSER_LOG [--min-ink F] [--sections N]
The PNG is decoded with the standard library only (zlib and the five PNG filters)."""
import argparse, struct, sys, zlib


def decode_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG file"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and color in (2, 6), f"{path}: expected 8-bit RGB(A), found depth {depth}, color type {color}"
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("png")
    parser.add_argument("log")
    parser.add_argument("--min-ink", type=float, default=0.01)
    parser.add_argument("--bands", type=int, default=6, help="horizontal bands of the page that must each hold ink")
    args = parser.parse_args()
    width, height, bpp, rows = decode_png(args.png)
    assert width >= 1000 and height >= 1500, f"{args.png}: {width}x{height}, expected a full page"
    # Ink: pixels that are not near white. The page's charts fill its height; each band must hold some.
    def ink(y0, y1):
        dark = total = 0
        for row in rows[y0:y1:2]:
            for x in range(0, width * bpp, bpp * 2):
                total += 1
                dark += min(row[x], row[x + 1], row[x + 2]) < 200
        return dark / max(total, 1)
    band = height // args.bands
    shares = [ink(i * band, (i + 1) * band) for i in range(args.bands)]
    blank = [i for i, s in enumerate(shares) if s < args.min_ink]
    print(f"{args.png}: {width}x{height}, ink per band " + " ".join(f"{s:.3f}" for s in shares))
    assert not blank, f"{args.png}: bands {blank} of {args.bands} are blank (ink < {args.min_ink})"
    log = open(args.log, encoding="utf-8", errors="replace").read()
    # The report has no script, so any console message at all means something went wrong.
    errors = [line for line in log.splitlines() if ":CONSOLE" in line]
    errors += [line for line in log.splitlines() if "Failed to load resource" in line or "net::ERR_" in line]
    assert not errors, f"{args.log}: the browser logged errors:\n" + "\n".join(errors[:10])
    print(f"{args.log}: no console errors")


if __name__ == "__main__":
    main()
