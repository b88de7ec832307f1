#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the photographs that test crop: face, from the real photographs in tests/fixtures/photos (run once; the
results are committed, so no test needs this script or a download):

- face-portrait-3x4.jpg: an HR-style portrait (600x800) whose face is high and right of centre: the centred square
  cuts the top of the head off;
- face-wide-16x9.jpg: a wide shot (960x540) whose face is in the left fifth: the centred square misses the face;
- two-faces.jpg: a wide shot (960x540) with a large face right and a small one left: the large one is framed.

The astronaut (Eileen Collins, NASA, public domain; see README.md) is pasted, scaled, onto a blurred copy of another
fixture; faces.json records where each face is, in the picture's pixels (x, y, w, h), as ASTRONAUT_FACE scaled.

    .venv/bin/python tests/utils/make_face_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

PHOTOS = Path(__file__).resolve().parents[1] / 'fixtures' / 'photos'
# The face of astronaut.jpg (512x512), as OpenCV 4.14's haarcascade_frontalface_alt2 finds it on the full picture.
ASTRONAUT_FACE = (177, 66, 95, 95)


def background(name: str, size: tuple) -> Image.Image:
    """A fixture without a face, scaled to cover ``size`` and blurred: a backdrop as a studio or an office gives."""
    picture = Image.open(PHOTOS / name).convert('RGB')
    scale = max(size[0] / picture.width, size[1] / picture.height)
    picture = picture.resize((round(picture.width * scale) + 1, round(picture.height * scale) + 1), Image.Resampling.LANCZOS)
    return picture.crop((0, 0) + size).filter(ImageFilter.GaussianBlur(6))


def paste_astronaut(canvas: Image.Image, side: int, at: tuple) -> list:
    """Paste astronaut.jpg scaled to side x side at ``at`` with soft edges; return its face box in canvas pixels."""
    astronaut = Image.open(PHOTOS / 'astronaut.jpg').convert('RGB').resize((side, side), Image.Resampling.LANCZOS)
    mask = Image.new('L', (side, side), 0)
    ImageDraw.Draw(mask).rectangle((side // 20, 0, side - side // 20, side), fill=255)
    canvas.paste(astronaut, at, mask.filter(ImageFilter.GaussianBlur(side // 40)))
    scale = side / 512.0
    x, y, w, h = ASTRONAUT_FACE
    return [round(at[0] + x * scale), round(at[1] + y * scale), round(w * scale), round(h * scale)]


def main() -> None:
    faces = {}
    portrait = background('rocket.jpg', (600, 800))
    faces['face-portrait-3x4.jpg'] = [paste_astronaut(portrait, 640, (100, 0))]
    portrait.save(PHOTOS / 'face-portrait-3x4.jpg', 'JPEG', quality=85)

    wide = background('coffee.jpg', (960, 540))
    faces['face-wide-16x9.jpg'] = [paste_astronaut(wide, 420, (0, 100))]
    wide.save(PHOTOS / 'face-wide-16x9.jpg', 'JPEG', quality=85)

    two = background('coffee.jpg', (960, 540))
    small = paste_astronaut(two, 300, (40, 200))
    large = paste_astronaut(two, 500, (440, 40))
    faces['two-faces.jpg'] = [large, small]
    two.save(PHOTOS / 'two-faces.jpg', 'JPEG', quality=85)

    (PHOTOS / 'faces.json').write_text(json.dumps(faces, indent=1, sort_keys=True) + '\n')


if __name__ == '__main__':
    main()
