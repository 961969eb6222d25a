"""A small PNG reader and writer in numpy + zlib, used when Pillow is not installed.

Reads every non-interlaced PNG (bit depths 1-16; grey, grey+alpha, RGB, RGBA, palette with
tRNS transparency). Writes 8-bit grey / grey+alpha / RGB / RGBA images without filtering.
Interlaced (Adam7) files need Pillow.

A PNG is an 8-byte signature, then chunks `length (4) | type (4) | data | crc (4)`. The pixel
rows live zlib-compressed in the IDAT chunks; each row starts with a filter byte and stores
differences: for a byte x with left neighbour a, upper b and upper-left c (same channel),
  Sub: x + a,  Up: x + b,  Average: x + (a + b) // 2,  Paeth: x + whichever of a, b, c is
  closest to a + b - c (ties prefer a, then b), all modulo 256.
"""
import struct
import zlib

import numpy as onp

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def is_png(data):
    return data[:8] == SIGNATURE


def _chunks(data):
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            return


def _paeth_row(row, prev, bpp):
    """Undoes the Paeth filter in place on one row (a Python loop: it is inherently serial)."""
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        row[i] = (row[i] + pred) & 0xFF


def _average_row(row, prev, bpp):
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        row[i] = (row[i] + ((a + prev[i]) >> 1)) & 0xFF


def _unfilter(raw, height, stride, bpp):
    """(height, stride) uint8 of the reconstructed bytes."""
    out = onp.zeros((height, stride), dtype=onp.uint8)
    prev = onp.zeros(stride, dtype=onp.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = onp.frombuffer(raw, dtype=onp.uint8, count=stride, offset=start + 1).copy()
        if kind == 1:  # Sub: a running sum per channel
            cols = (-len(row)) % bpp
            padded = onp.concatenate([row, onp.zeros(cols, onp.uint8)]).reshape(-1, bpp)
            sums = onp.cumsum(padded, axis=0, dtype=onp.uint64) % 256
            row = sums.astype(onp.uint8).ravel()[:stride]
        elif kind == 2:
            row = row + prev  # uint8 arithmetic wraps modulo 256
        elif kind in (3, 4):
            buf, up = bytearray(row.tobytes()), prev.tobytes()
            (_average_row if kind == 3 else _paeth_row)(buf, up, bpp)
            row = onp.frombuffer(bytes(buf), dtype=onp.uint8)
        elif kind != 0:
            raise ValueError(f"Corrupt PNG: unknown row filter type {kind} in row {y}.")
        out[y] = row  # untraced numpy
        prev = row
    return out


def decode_png(data):
    """PNG bytes -> (H, W, C) array: uint8 (bit depth <= 8) or uint16 (16), C in {1, 2, 3, 4}.

    Palette images come back as RGB (RGBA when the palette has transparency); grey images of
    bit depth < 8 are scaled to 0-255.
    """
    if not is_png(data):
        raise ValueError("Not a PNG file (bad signature).")
    header, idat, palette, trns = None, [], None, None
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"PLTE":
            palette = onp.frombuffer(body, dtype=onp.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
    if header is None or not idat:
        raise ValueError("Corrupt PNG: missing IHDR or IDAT chunk.")
    width, height, depth, color, _, _, interlace = header
    if color not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise ValueError(f"Corrupt PNG: colour type {color} with bit depth {depth}.")
    if interlace:
        raise ValueError("Interlaced (Adam7) PNG files can only be read with Pillow "
                         "(`pip install pillow`).")
    channels = _CHANNELS[color]
    bits_per_pixel = channels * depth
    stride = (width * bits_per_pixel + 7) // 8
    raw = zlib.decompress(b"".join(idat))
    if len(raw) < height * (stride + 1):
        raise ValueError("Corrupt PNG: the image data is shorter than its header says.")
    rows = _unfilter(raw, height, stride, max(1, bits_per_pixel // 8))
    if depth == 16:
        pixels = rows.view(">u2").astype(onp.uint16).reshape(height, width, channels)
    elif depth == 8:
        pixels = rows.reshape(height, width, channels)
    else:
        bits = onp.unpackbits(rows, axis=1).reshape(height, -1, depth)[:, :width]
        weights = (1 << onp.arange(depth - 1, -1, -1)).astype(onp.uint8)
        pixels = (bits * weights).sum(axis=-1, dtype=onp.uint8)[..., None]
        if color == 0:
            pixels = (pixels.astype(onp.uint16) * 255 // ((1 << depth) - 1)).astype(onp.uint8)
    if color == 3:
        if palette is None:
            raise ValueError("Corrupt PNG: palette image without a PLTE chunk.")
        index = pixels[..., 0]
        rgb = palette[onp.minimum(index, len(palette) - 1)]
        if trns is None:
            return rgb
        alpha = onp.full(256, 255, dtype=onp.uint8)
        alpha[:len(trns)] = onp.frombuffer(trns, dtype=onp.uint8)
        return onp.concatenate([rgb, alpha[index][..., None]], axis=-1)
    return pixels


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(image):
    """(H, W) or (H, W, C) uint8 array (C = 1, 2, 3 or 4) -> PNG bytes (no row filters)."""
    image = onp.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"Expected an (H, W, C) image with 1-4 channels. Got shape {image.shape}")
    if image.dtype != onp.uint8:
        raise ValueError("Only uint8 images can be written without Pillow. "
                         f"Got dtype {image.dtype}")
    height, width, channels = image.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = onp.concatenate([onp.zeros((height, 1), onp.uint8), image.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + _chunk(b"IEND", b""))
