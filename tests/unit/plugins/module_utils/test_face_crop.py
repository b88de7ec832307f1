# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crop: face: the framing arithmetic, the detector on real photographs, and what is uploaded.

The photographs are in tests/fixtures/photos (faces.json says where their faces are; tests/utils/make_face_fixtures.py
made them): the astronaut off centre on a 3:4 portrait and on a 16:9 wide shot, two faces, and pictures without one.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading

import pytest
from PIL import Image

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import face_detector
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_framing import (
    FACE_CENTRE_AT,
    FRAME_FACTOR,
    centred_square,
    face_square,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import (
    REASON_CROP_FACE,
    REASON_NO_FACE,
    PhotoPrepareError,
    prepare_photo,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import verdict_settings

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'photos')
with open(os.path.join(FIXTURES, 'faces.json')) as _handle:
    FACES = json.load(_handle)
FACE_PICTURES = ('astronaut.jpg', 'face-portrait-3x4.jpg', 'face-wide-16x9.jpg', 'two-faces.jpg')
NO_FACE_PICTURES = ('coffee.jpg', 'rocket.jpg', 'cat.jpg', 'camera.jpg', 'logo-alpha.png')
FACES['astronaut.jpg'] = [[177, 66, 95, 95]]


def fixture_bytes(name: str) -> bytes:
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def found_face(data: bytes) -> tuple:
    """(centre x, centre y, width) of the largest face of an image, as fractions of its width: searched again on it
    as an upload is (the detector's own size and cascade), or None."""
    picture = Image.open(io.BytesIO(data)).convert('L')
    scale = min(1.0, face_detector.DETECT_SIDE / float(max(picture.size)))
    grey = picture.resize((round(picture.width * scale), round(picture.height * scale)))
    face = face_detector.largest_face(grey)
    if face is None:
        return None
    x, y, w, h = (value / scale for value in face)
    return (x + w / 2) / picture.width, (y + h / 2) / picture.height, w / picture.width


# --- the arithmetic ---
@pytest.mark.parametrize('size, face, expected', [
    # A face in the open: 2.2 face widths, centred across, its centre at 42% of the side from the top.
    ((1000, 1000), (450, 400, 100, 100), (390, 358, 610, 578)),
    # Near the top left corner: moved down and right to stay inside, not cut.
    ((1000, 800), (0, 0, 100, 100), (0, 0, 220, 220)),
    # Near the bottom right corner.
    ((1000, 800), (900, 700, 100, 100), (780, 580, 1000, 800)),
    # A close-up: 2.2 face widths do not fit; the shorter side does, clamped.
    ((600, 800), (100, 200, 400, 400), (0, 148, 600, 748)),
    # A face wider than the picture is tall (a wide crop of a face): the whole height.
    ((900, 300), (300, 0, 300, 300), (300, 0, 600, 300)),
])
def test_the_square_is_framed_around_the_face_and_kept_inside_the_picture(size, face, expected):
    box = face_square(size[0], size[1], face)
    assert box == expected
    left, top, right, bottom = box
    assert right - left == bottom - top, 'a square'
    assert 0 <= left and 0 <= top and right <= size[0] and bottom <= size[1], 'inside the picture'
    x, y, w, h = face
    if right - left < min(size):
        assert right - left == round(FRAME_FACTOR * w)
    # The face is never cut: wholly inside the square (when the square can hold it).
    if w <= right - left:
        assert left <= x and x + w <= right and top <= y and y + h <= bottom


def test_the_face_sits_a_little_above_the_middle_with_room_above_the_head():
    left, top, right, bottom = face_square(2000, 2000, (900, 900, 200, 200))
    side = right - left
    assert (1000 - left) / side == 0.5 and abs((1000 - top) / side - FACE_CENTRE_AT) <= 1.0 / side, 'to the pixel'
    # The room above the face box is 42% - 22.7% of the side: the hair (a third of a face box) fits with space left.
    assert (900 - top) / side > 0.15


def test_the_centred_square_is_crop_square():
    assert centred_square(600, 800) == (0, 100, 600, 700)
    assert centred_square(960, 540) == (210, 0, 750, 540)


# --- the detector on real photographs ---
@pytest.mark.parametrize('name', FACE_PICTURES)
def test_the_uploaded_square_holds_the_face_in_its_middle(name):
    """Each face picture: the prepared photo is square and the face found in it again is where the framing puts it."""
    prepared = prepare_photo(fixture_bytes(name), crop='face')
    assert prepared.prepared and REASON_CROP_FACE in prepared.reasons and REASON_NO_FACE not in prepared.reasons
    picture = Image.open(io.BytesIO(prepared.data))
    assert picture.width == picture.height
    centre_x, centre_y, width = found_face(prepared.data)
    assert abs(centre_x - 0.5) < 0.04 and abs(centre_y - FACE_CENTRE_AT) < 0.04, (centre_x, centre_y)
    # 2.2 face widths: the face is about 45% of the side, so nothing of it is cut.
    assert 0.38 < width < 0.52, width


@pytest.mark.parametrize('name', FACE_PICTURES[1:])
def test_crop_square_cuts_or_misses_the_face_that_crop_face_frames(name):
    """The reason for crop: face: on the off-centre test pictures the centred square puts the face far from the middle
    (the portrait's head is cut at the top; the wide shot's face is outside the square altogether)."""
    x, y, w, h = FACES[name][0]
    width, height = Image.open(io.BytesIO(fixture_bytes(name))).size
    left, top, right, bottom = centred_square(width, height)
    side = right - left
    centre = ((x + w / 2.0 - left) / side, (y + h / 2.0 - top) / side)
    assert abs(centre[0] - 0.5) > 0.1 or abs(centre[1] - FACE_CENTRE_AT) > 0.2, centre


def test_of_two_faces_the_largest_is_framed():
    prepared = prepare_photo(fixture_bytes('two-faces.jpg'), crop='face')
    large, small = FACES['two-faces.jpg']
    side = Image.open(io.BytesIO(prepared.data)).width
    # The square is sized on the large face (2.2 of its widths), not the small one.
    assert abs(side - FRAME_FACTOR * large[2]) < 0.1 * side


@pytest.mark.parametrize('name', NO_FACE_PICTURES)
def test_no_face_gives_the_centred_square_and_says_so(name):
    data = fixture_bytes(name)
    face = prepare_photo(data, crop='face')
    assert REASON_NO_FACE in face.reasons and REASON_CROP_FACE not in face.reasons and face.prepared
    square = prepare_photo(data, crop='square', prepare='always')
    assert face.data == square.data, 'the centred square, as crop: square uploads it'


@pytest.mark.parametrize('name', FACE_PICTURES + NO_FACE_PICTURES[:2])
def test_the_same_file_always_gives_the_same_bytes(name):
    data = fixture_bytes(name)
    first = prepare_photo(data, crop='face')
    results = []
    # From other threads too (each has its own cascade): the sync prepares on its compute threads.
    threads = [threading.Thread(target=lambda: results.append(prepare_photo(data, crop='face').data)) for dummy in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [first.data] * 3


def test_an_upright_portrait_stored_sideways_is_framed_upright():
    """A phone portrait stored rotated with EXIF orientation 6: the face is searched in the picture as it is shown."""
    upright = Image.open(io.BytesIO(fixture_bytes('face-portrait-3x4.jpg')))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.transpose(Image.Transpose.ROTATE_90).save(out, 'JPEG', quality=90, exif=exif)
    prepared = prepare_photo(out.getvalue(), crop='face')
    assert prepared.reasons[:2] == ('exif_orientation', REASON_CROP_FACE)
    centre_x, centre_y, dummy = found_face(prepared.data)
    assert abs(centre_x - 0.5) < 0.04 and abs(centre_y - FACE_CENTRE_AT) < 0.04


def test_without_opencv_the_photo_fails_naming_the_package(monkeypatch):
    """Where cv2 cannot be imported: one sentence naming opencv-python-headless and the execution environment."""
    monkeypatch.setitem(sys.modules, 'cv2', None)  # import cv2 then raises ImportError
    errors = []

    def prepare():
        try:
            prepare_photo(fixture_bytes('astronaut.jpg'), crop='face')
        except PhotoPrepareError as exc:
            errors.append(str(exc))

    # A new thread: this one may hold a cascade already.
    thread = threading.Thread(target=prepare)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert 'opencv-python-headless' in errors[0] and 'execution environment' in errors[0] and 'crop: square' in errors[0]


def test_the_cache_keys_on_the_crop_and_the_face_framing():
    square = verdict_settings(compare='perceptual', prepare='auto', crop='square')
    face = verdict_settings(compare='perceptual', prepare='auto', crop='face')
    assert square != face
    assert face_detector.CASCADE_FILE in face and str(FRAME_FACTOR) in face
