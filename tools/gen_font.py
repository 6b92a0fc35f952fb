#!/usr/bin/env python3
"""Pre-render DejaVu Sans (regular and bold) into src/render/font_data.bin for pencil's PNG text.

Run from the repository root:  python3 tools/gen_font.py
Needs Python 3 and Pillow built with FreeType (`pip install pillow`) and the DejaVu fonts
(Debian: `apt-get install fonts-dejavu-core`). The Rust build never runs this: the blob is committed.

Output is deterministic for a given Pillow/FreeType/font version: fixed glyph order, fixed sizes, no
timestamps. Glyphs are rendered with FreeType's default hinting and grayscale anti-aliasing, which is
what cairo does for graphite-web on a stock server.

Blob layout (all integers little-endian), read by src/render/font.rs:

  header      "PFNT"  u8 version (=1)  u8 face_count  u16 glyph_count
  face[i]     u8 pixel_size  u8 bold  u8 ascent  u8 descent  u32 offset of its glyph records
  glyph[j]    u16 advance in 1/64 px  i8 left bearing  i8 top (pixels above the baseline)
              u8 width  u8 height  u32 offset of its bitmap
  bitmaps     4-bit coverage, two pixels a byte (high nibble first), rows back to back,
              ceil(width * height / 2) bytes a glyph

Glyph j is the j-th character of CHARS below: U+0020..U+007E then U+00A0..U+00FF.
"""

import os
import struct
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FACES = [("DejaVuSans.ttf", 0), ("DejaVuSans-Bold.ttf", 1)]
# graphite-web's fontSize is in points at cairo's 72 dpi, so points equal pixels; 6..24 covers every
# size its templates and titles use, larger requests fall back to the nearest size.
SIZES = range(6, 25)
CHARS = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)]
OUT = os.path.join("src", "render", "font_data.bin")


def render_glyph(font, ch):
    """Returns (advance64, left, top, width, height, 8-bit coverage rows) for one character."""
    advance64 = round(font.getlength(ch) * 64)
    x0, y0, x1, y1 = font.getbbox(ch, anchor="ls")
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0:
        return advance64, 0, 0, 0, 0, []
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).text((-x0, -y0), ch, font=font, fill=255, anchor="ls")
    px = img.load()
    rows = [[px[x, y] for x in range(w)] for y in range(h)]
    # Trim blank borders so the table stores ink only; the bearing moves with the trim.
    while rows and not any(rows[0]):
        rows.pop(0)
        y0 += 1
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return advance64, 0, 0, 0, 0, []
    while not any(r[0] for r in rows):
        rows = [r[1:] for r in rows]
        x0 += 1
    while not any(r[-1] for r in rows):
        rows = [r[:-1] for r in rows]
    return advance64, x0, -y0, len(rows[0]), len(rows), rows


def pack_nibbles(rows):
    flat = [(v * 15 + 127) // 255 for r in rows for v in r]
    if len(flat) % 2:
        flat.append(0)
    return bytes((flat[i] << 4) | flat[i + 1] for i in range(0, len(flat), 2))


def main():
    faces = []
    for file, bold in FACES:
        path = os.path.join(FONT_DIR, file)
        if not os.path.exists(path):
            sys.exit(f"missing {path}: install Debian's fonts-dejavu-core")
        for size in SIZES:
            font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
            ascent, descent = font.getmetrics()
            glyphs = [render_glyph(font, ch) for ch in CHARS]
            faces.append((size, bold, ascent, descent, glyphs))

    header_len = 8
    face_len = 8
    glyph_len = 10
    records_start = header_len + face_len * len(faces)
    bitmaps_start = records_start + glyph_len * len(CHARS) * len(faces)

    face_bytes = bytearray()
    record_bytes = bytearray()
    bitmap_bytes = bytearray()
    for i, (size, bold, ascent, descent, glyphs) in enumerate(faces):
        face_bytes += struct.pack("<BBBBI", size, bold, ascent, descent,
                                  records_start + i * glyph_len * len(CHARS))
        for advance64, left, top, w, h, rows in glyphs:
            record_bytes += struct.pack("<HbbBBI", advance64, left, top, w, h,
                                        bitmaps_start + len(bitmap_bytes))
            bitmap_bytes += pack_nibbles(rows)

    blob = b"PFNT" + struct.pack("<BBH", 1, len(faces), len(CHARS))
    blob += face_bytes + record_bytes + bitmap_bytes
    with open(OUT, "wb") as f:
        f.write(blob)
    print(f"wrote {OUT}: {len(blob)} bytes, {len(faces)} faces x {len(CHARS)} glyphs")


if __name__ == "__main__":
    main()
