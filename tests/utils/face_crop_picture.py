#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draw docs/docsite/rst/face-crop.png: crop: square and crop: face, before and after, for a portrait and a wide shot.

Each row shows the file with the two squares drawn on it (dashed orange: crop: square, the centred square; green:
crop: face), then what each uploads as Teams shows it, in a circle. The squares and the uploads are the collection's
own (prepare_photo), so the picture shows what the code does. Then embed it in the guide:

    .venv/bin/python tests/utils/face_crop_picture.py && .venv/bin/python tests/utils/docsite_images.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / '.build' / 'collections'))

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import prepare  # noqa: E402 pylint: disable=wrong-import-position

PICTURES = ('face-portrait-3x4.jpg', 'face-wide-16x9.jpg')
ROW_HEIGHT = 200
AVATAR = 150
GAP = 16
SQUARE_COLOUR = (230, 120, 0)
FACE_COLOUR = (0, 150, 60)


def crop_box(data: bytes, crop: str) -> tuple:
    """The region crop keeps of the picture, in its pixels: as prepare_photo computes it."""
    photo = prepare._OpenedPhoto(data, '')  # pylint: disable=protected-access
    face = prepare._face_of(photo, data) if crop == 'face' else None  # pylint: disable=protected-access
    return prepare._crop_box(photo.upright_size[0], photo.upright_size[1], crop, face)  # pylint: disable=protected-access


def in_circle(data: bytes) -> Image.Image:
    """An uploaded photo as Teams shows it: a circle, on white."""
    picture = Image.open(io.BytesIO(data)).convert('RGB').resize((AVATAR, AVATAR), Image.Resampling.LANCZOS)
    mask = Image.new('L', (AVATAR * 4, AVATAR * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR * 4 - 1, AVATAR * 4 - 1), fill=255)
    shown = Image.new('RGB', (AVATAR, AVATAR), 'white')
    shown.paste(picture, (0, 0), mask.resize((AVATAR, AVATAR), Image.Resampling.LANCZOS))
    return shown


def dashed_rectangle(draw, box, colour, width=3, dash=10):
    left, top, right, bottom = box
    for start in range(int(left), int(right), dash * 2):
        draw.line((start, top, min(start + dash, right), top), fill=colour, width=width)
        draw.line((start, bottom, min(start + dash, right), bottom), fill=colour, width=width)
    for start in range(int(top), int(bottom), dash * 2):
        draw.line((left, start, left, min(start + dash, bottom)), fill=colour, width=width)
        draw.line((right, start, right, min(start + dash, bottom)), fill=colour, width=width)


def row(name: str) -> Image.Image:
    data = (REPO / 'tests' / 'fixtures' / 'photos' / name).read_bytes()
    picture = Image.open(io.BytesIO(data)).convert('RGB')
    scale = ROW_HEIGHT / float(picture.height)
    shown = picture.resize((round(picture.width * scale), ROW_HEIGHT), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(shown)
    square = [value * scale for value in crop_box(data, 'square')]
    face = [value * scale for value in crop_box(data, 'face')]
    dashed_rectangle(draw, square, SQUARE_COLOUR)
    draw.rectangle(face, outline=FACE_COLOUR, width=3)
    avatars = [in_circle(prepare.prepare_photo(data, crop=crop).data) for crop in ('square', 'face')]
    out = Image.new('RGB', (shown.width + 2 * (AVATAR + GAP) + GAP, ROW_HEIGHT), 'white')
    out.paste(shown, (0, 0))
    for index, avatar in enumerate(avatars):
        x = shown.width + GAP + index * (AVATAR + GAP)
        out.paste(avatar, (x, (ROW_HEIGHT - AVATAR) // 2))
        colour = SQUARE_COLOUR if index == 0 else FACE_COLOUR
        ImageDraw.Draw(out).ellipse((x - 2, (ROW_HEIGHT - AVATAR) // 2 - 2, x + AVATAR + 1, (ROW_HEIGHT + AVATAR) // 2 + 1),
                                    outline=colour, width=3)
    return out


def main() -> None:
    rows = [row(name) for name in PICTURES]
    width = max(each.width for each in rows)
    sheet = Image.new('RGB', (width, sum(each.height for each in rows) + GAP * (len(rows) - 1)), 'white')
    y = 0
    for each in rows:
        sheet.paste(each, (0, y))
        y += each.height + GAP
    # A palette of 128 colours keeps the PNG (embedded in the guide as base64) near 100 KB.
    sheet.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        REPO / 'docs' / 'docsite' / 'rst' / 'face-crop.png', optimize=True)


if __name__ == '__main__':
    main()
