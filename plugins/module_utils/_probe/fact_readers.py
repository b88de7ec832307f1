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
