"""How much is drawn in a rectangle of a PNG screenshot (no PIL: zlib and the PNG filters by hand).

usage: png_region_stats.py FILE.png X0 Y0 X1 Y1 [RRGGBB]
prints JSON: width, height, and for the rectangle [X0, X1) x [Y0, Y1): the fraction of pixels that
are not near-white, the number of distinct colours, the standard deviation of the luminance, and
the number of pixels within 40 (per channel) of colour RRGGBB when given.
"""

import json
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise SystemExit(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are supported")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 255
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    if len(sys.argv) not in (6, 7):
        raise SystemExit(__doc__)
    width, height, channels, rows = read_png(sys.argv[1])
    x0, y0, x1, y1 = (int(v) for v in sys.argv[2:6])
    target = tuple(int(sys.argv[6][i : i + 2], 16) for i in (0, 2, 4)) if len(sys.argv) == 7 else None
    matching = 0
    x1, y1 = min(x1, width), min(y1, height)
    total = drawn = 0
    colours = set()
    lum_sum = lum_squares = 0.0
    for y in range(y0, y1):
        line = rows[y]
        for x in range(x0, x1):
            r, g, b = line[x * channels], line[x * channels + 1], line[x * channels + 2]
            total += 1
            if min(r, g, b) < 235:
                drawn += 1
            colours.add((r, g, b))
            if target and abs(r - target[0]) <= 40 and abs(g - target[1]) <= 40 and abs(b - target[2]) <= 40:
                matching += 1
            lum = 0.299 * r + 0.587 * g + 0.114 * b
            lum_sum += lum
            lum_squares += lum * lum
    mean = lum_sum / total if total else 0.0
    deviation = max(lum_squares / total - mean * mean, 0.0) ** 0.5 if total else 0.0
    print(json.dumps({"width": width, "height": height, "drawnFraction": drawn / total if total else 0.0,
                      "colours": len(colours), "luminanceDeviation": deviation, "colourPixels": matching}))


if __name__ == "__main__":
    main()
