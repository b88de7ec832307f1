# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pictures the probe uploads, drawn with Pillow: each one asks Graph one question whose answer can be seen.

Flat colours, so that JPEG noise and downscaling cannot blur the answer, and small files (each well under 100 KB).
"""

from __future__ import annotations

import io

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import LazyModule

Image = LazyModule('PIL.Image')

RED = (220, 30, 30)
GREEN = (30, 170, 60)
BLUE = (30, 60, 220)
# What the transparent pixels of the transparency picture hold: it shows only when Graph drops the alpha channel.
HIDDEN = (255, 0, 255)
# The three thirds of the crop picture, left to right.
THIRDS = (('left', RED), ('middle', GREEN), ('right', BLUE))
EXIF_ORIENTATION_TAG = 0x0112


def _jpeg(im, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, 'JPEG', quality=90, **options)
    return buffer.getvalue()


def square(side: int) -> bytes:
    """A side x side JPEG, a green square on blue: its size, not its look, is the question."""
    im = Image.new('RGB', (side, side), BLUE)
    margin = side // 4
    im.paste(GREEN, (margin, margin, side - margin, side - margin))
    return _jpeg(im)


def thirds(height: int = 300) -> bytes:
    """A 2:1 JPEG with red, green and blue thirds: a square crop keeps one part, which tells which."""
    width = 2 * height
    im = Image.new('RGB', (width, height))
    third = width // 3
    for index, (dummy, colour) in enumerate(THIRDS):
        right = width if index == 2 else (index + 1) * third
        im.paste(colour, (index * third, 0, right, height))
    return _jpeg(im)


def rotated_with_exif(side: int = 300) -> bytes:
    """Upright, it is red above blue; its pixels are stored turned a quarter anticlockwise, with EXIF orientation 6
    (turn clockwise to show): upright only when the orientation is applied."""
    upright = Image.new('RGB', (side, side), BLUE)
    upright.paste(RED, (0, 0, side, side // 2))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = 6
    return _jpeg(stored, exif=exif.tobytes())


def transparent_png(side: int = 300) -> bytes:
    """A PNG whose border is transparent but holds a colour of its own (HIDDEN), around an opaque blue square."""
    im = Image.new('RGBA', (side, side), HIDDEN + (0,))
    margin = side // 4
    im.paste(BLUE + (255,), (margin, margin, side - margin, side - margin))
    buffer = io.BytesIO()
    im.save(buffer, 'PNG')
    return buffer.getvalue()
