# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``crop: face``: where the square goes once the face is known (face_detector.py finds it). Arithmetic only.

Teams, Outlook and most intranets show a profile photo as a circle or a rounded square, and a face in them is framed
the way ID and avatar photos are: head and shoulders, the head filling about half of the width, a little room
above the hair, the eyes a little above the middle. (Passport photos, ISO/IEC 19794-5 as ICAO applies it, want the
head 50% to 75% of the width and the eyes 50% to 70% of the height from the bottom; an avatar shown as a circle wants
the lower part of that range, so that the circle cuts neither hair nor chin.) The detector's box runs
from the forehead to the chin and is about as wide, so:

- FRAME_FACTOR: the square's side is 2.2 face widths: the face box is 45% of the side; the hair (about a third of a
  box above it) and the shoulders fit, and a circle inscribed in the square cuts neither ears nor chin;
- FACE_CENTRE_AT: the face box's centre sits at 42% of the side from the top (the square's centre is 8% of the side,
  about a fifth of a face, below the face's centre): the eyes come at about 38% from the top, with room for the hair
  above and the neck and shoulders below.

Then the square is clamped inside the picture (moved, never cut), and when the picture is too small for that much
room around the face, it is the largest square the picture holds (its shorter side), still clamped: a close-up keeps
all that there is. The same picture always gives the same square (integers, round half to even).
"""

from __future__ import annotations

FRAME_FACTOR = 2.2
FACE_CENTRE_AT = 0.42


def centred_square(width: int, height: int) -> tuple:
    """(left, top, right, bottom) of the centred square of a width x height picture (crop: square)."""
    side = min(width, height)
    left = (width - side) // 2
    top = (height - side) // 2
    return left, top, left + side, top + side


def face_square(width: int, height: int, face: tuple) -> tuple:
    """(left, top, right, bottom) of the square framed around ``face`` ((x, y, w, h) in the same pixels): FRAME_FACTOR
    face widths wide, the face's centre FACE_CENTRE_AT of the side from its top, at most the shorter side of the
    picture, and inside it."""
    x, y, w, h = face
    side = max(1, min(int(round(FRAME_FACTOR * max(w, h))), width, height))
    centre_x = x + w / 2.0
    centre_y = y + h / 2.0
    left = _clamp(int(round(centre_x - side / 2.0)), 0, width - side)
    top = _clamp(int(round(centre_y - FACE_CENTRE_AT * side)), 0, height - side)
    return left, top, left + side, top + side


def _clamp(value: int, lowest: int, highest: int) -> int:
    return max(lowest, min(value, highest))


def scaled_face(face: tuple, factor_x: float, factor_y: float) -> tuple:
    """A face box (x, y, w, h) found on a picture scaled by 1/factor, in the pixels of the picture itself."""
    x, y, w, h = face
    return x * factor_x, y * factor_y, w * factor_x, h * factor_y
