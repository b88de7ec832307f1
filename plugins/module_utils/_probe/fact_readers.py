# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a stored photo shows, read from its bytes as a viewer shows it (EXIF orientation applied, if any is left).

Each reader samples a few pixels of flat-coloured areas (probe_pictures.py) and names the nearest known colour, so that
JPEG noise and any quality Graph re-encodes at do not change the answer.
"""

from __future__ import annotations

import io

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import LazyModule
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.probe_pictures import BLUE, GREEN, HIDDEN, RED

Image = LazyModule('PIL.Image')
ImageOps = LazyModule('PIL.ImageOps')

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
NAMED_COLOURS = {'red': RED, 'green': GREEN, 'blue': BLUE, 'white': WHITE, 'black': BLACK, 'hidden': HIDDEN}
BACKGROUNDS = {'white': 'white', 'black': 'black', 'hidden': 'dropped'}
PART_BY_COLOUR = {'red': 'left', 'green': 'middle', 'blue': 'right'}  # probe_pictures.THIRDS


def open_picture(data: bytes):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def has_alpha(data: bytes) -> bool:
    im = open_picture(data)
    return im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info)


def displayed(data: bytes):
    """The picture as a viewer shows it: EXIF orientation applied (when Graph left one), alpha ignored, RGB."""
    return ImageOps.exif_transpose(open_picture(data)).convert('RGB')


def colour_name(pixel) -> str:
    """The known colour nearest to pixel."""
    return min(NAMED_COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(pixel[:3], NAMED_COLOURS[name])))


def sample(im, fx: float, fy: float) -> str:
    x = min(im.width - 1, int(im.width * fx))
    y = min(im.height - 1, int(im.height * fy))
    return colour_name(im.getpixel((x, y)))


def read_crop(data: bytes) -> dict:
    """crop (square or none) of the 2:1 thirds picture, the part kept, and the share of each third's colour along its
    middle row. A centred square of it holds the whole middle third and equal slivers of the other two."""
    im = displayed(data)
    row = [colour_name(im.getpixel((x, im.height // 2))) for x in range(im.width)]
    shares = {part: round(row.count(name) / float(im.width), 3) for name, part in PART_BY_COLOUR.items()}
    square = abs(im.width - im.height) <= 1
    if not square:
        part = 'all'
    elif abs(shares['left'] - shares['right']) <= 0.05:
        part = 'middle'
    elif shares['right'] == 0:
        part = 'left'
    elif shares['left'] == 0:
        part = 'right'
    else:
        part = 'off centre'
    return {'crop': 'square' if square else 'none', 'part': part, 'width': im.width, 'height': im.height, 'shares': shares}


def read_orientation(data: bytes) -> dict:
    """exif_orientation (applied or ignored) of the rotated picture: upright means red above blue on its right side,
    which the stored pixels, turned a quarter anticlockwise, have blue from top to bottom."""
    im = displayed(data)
    top, bottom = sample(im, 0.75, 0.12), sample(im, 0.75, 0.88)
    upright = top == 'red' and bottom == 'blue'
    return {'exif_orientation': 'applied' if upright else 'ignored', 'samples': {'top': top, 'bottom': bottom},
            'exif_left': bool(open_picture(data).getexif().get(0x0112))}


def read_background(data: bytes) -> dict:
    """transparency (white, black or dropped) of the transparent picture, from its border (alpha ignored)."""
    im = displayed(data)
    corners = [sample(im, fx, fy) for fx, fy in ((0.03, 0.03), (0.97, 0.03), (0.03, 0.97), (0.97, 0.97))]
    seen = max(set(corners), key=corners.count)
    return {'transparency': BACKGROUNDS.get(seen, 'unknown (%s)' % seen), 'samples': corners}


# The JPEG standard's example luminance table (ITU-T T.81 Annex K, the IJG library's base), which encoders scale by
# quality: 5000 / q below 50, 200 - 2 q from 50 on.
_BASE_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)


def _scaled_table(quality: int) -> list:
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (value * scale + 50) // 100)) for value in _BASE_LUMINANCE]


def jpeg_quality(data: bytes):
    """The quality a JPEG was most likely encoded at (1-100), from its luminance quantization table; None when the
    picture is not a JPEG. Compared as sorted values, so that the order the table is stored in does not matter."""
    im = open_picture(data)
    tables = getattr(im, 'quantization', None)
    if im.format != 'JPEG' or not tables or 0 not in tables:
        return None
    seen = sorted(tables[0])
    return min(range(1, 101), key=lambda quality: sum(abs(a - b) for a, b in zip(seen, sorted(_scaled_table(quality)))))
