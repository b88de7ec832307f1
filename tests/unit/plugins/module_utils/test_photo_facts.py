# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PhotoFacts: what modules report and diff about a photo, and what the comparison needs."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import io
import os
import sys

import pytest
from PIL import Image

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import facts as photo_facts_module  # noqa: E402
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import (  # noqa: E402
    ImageDecodeError,
    PhotoFacts,
    UnsupportedImageError,
    photo_facts_from_bytes,
    photo_facts_from_header,
    sniff_content_type,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'photos')
FACT_KEYS = {'sha256', 'phash', 'width', 'height', 'content_type', 'size'}


def load(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def encode(im, fmt, **kwargs):
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize('name, size, content_type', [
    ('astronaut.jpg', (512, 512), 'image/jpeg'),
    ('cat.jpg', (451, 300), 'image/jpeg'),
    ('coffee.jpg', (600, 400), 'image/jpeg'),
    ('rocket.jpg', (640, 427), 'image/jpeg'),
    ('camera.jpg', (512, 512), 'image/jpeg'),
    ('logo-alpha.png', (256, 256), 'image/png'),
])
def test_facts_of_fixture_photos(name, size, content_type):
    data = load(name)
    facts = photo_facts_from_bytes(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert (facts.width, facts.height) == size
    assert facts.content_type == content_type
    assert facts.size == len(data)
    assert len(facts.phash) == 16 and int(facts.phash, 16) >= 0
    # One signature per way Graph may show transparency (on white, on black, alpha dropped), one otherwise.
    assert len(facts.signatures) == (3 if name == 'logo-alpha.png' else 1)
    assert all(len(sig) == 16 * 16 * 3 for sig in facts.signatures)
    # The centred square's grids only for a picture that is not square, one per signature.
    if size[0] == size[1]:
        assert facts.centred_square_signatures == ()
    else:
        assert len(facts.centred_square_signatures) == len(facts.signatures)
        assert all(len(sig) == 16 * 16 * 3 for sig in facts.centred_square_signatures)
        assert facts.centred_square_signatures != facts.signatures


def test_to_dict_has_exactly_the_public_keys_and_no_bytes():
    facts = photo_facts_from_bytes(load('logo-alpha.png'))
    result = facts.to_dict()
    assert set(result) == FACT_KEYS
    assert not any(isinstance(value, (bytes, bytearray, tuple, list)) for value in result.values())
    assert result['sha256'] == facts.sha256 and result['width'] == 256


def test_facts_are_frozen_and_signatures_hidden_from_repr():
    facts = photo_facts_from_bytes(load('cat.jpg'))
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.width = 1
    assert 'signatures' not in repr(facts)
    assert facts == PhotoFacts(**facts.to_dict())


def _largest_cell_difference(sig_a, sig_b):
    return max(abs(a - b) for a, b in zip(sig_a, sig_b))


@pytest.mark.parametrize('name, fmt', [('cat.jpg', 'JPEG'), ('rocket.jpg', 'JPEG'), ('coffee.jpg', 'PNG')])
@pytest.mark.parametrize('portrait', [False, True])
def test_centred_square_signature_is_the_signature_of_the_centred_square(name, fmt, portrait):
    # The square grid comes from the same (draft-reduced, for JPEG) decode; it must show what a crop of the
    # full picture shows. rocket.jpg (640x427) puts the square half a pixel off the draft image's grid.
    im = Image.open(os.path.join(FIXTURES, name)).convert('RGB')
    if portrait:
        im = im.transpose(Image.Transpose.ROTATE_90)
    side = min(im.size)
    left, top = (im.width - side) // 2, (im.height - side) // 2
    square = im.crop((left, top, left + side, top + side))
    facts = photo_facts_from_bytes(encode(im, fmt, quality=95) if fmt == 'JPEG' else encode(im, fmt))
    expected = photo_facts_from_bytes(encode(square, 'PNG'))
    assert expected.centred_square_signatures == ()
    assert _largest_cell_difference(facts.centred_square_signatures[0], expected.signatures[0]) <= 12
    # ... and not what the whole picture shows.
    assert _largest_cell_difference(facts.signatures[0], expected.signatures[0]) > 30


def test_centred_square_follows_exif_orientation():
    im = Image.open(os.path.join(FIXTURES, 'cat.jpg'))
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = photo_facts_from_bytes(encode(im.transpose(Image.Transpose.ROTATE_90), 'JPEG', quality=95, exif=exif))
    upright = photo_facts_from_bytes(encode(im, 'JPEG', quality=95))
    assert (turned.width, turned.height) == (451, 300)
    assert _largest_cell_difference(turned.centred_square_signatures[0], upright.centred_square_signatures[0]) <= 12


@pytest.mark.parametrize('name', ['astronaut.jpg', 'cat.jpg', 'logo-alpha.png'])
def test_facts_from_the_header_are_those_shown_without_signatures(name):
    data = load(name)
    header = photo_facts_from_header(data)
    assert header.to_dict() == photo_facts_from_bytes(data, with_phash=False).to_dict()
    assert header.signatures == () and header.centred_square_signatures == ()


def test_facts_from_the_header_follow_exif_orientation_and_refuse_what_is_not_an_image():
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = encode(Image.open(os.path.join(FIXTURES, 'cat.jpg')).transpose(Image.Transpose.ROTATE_90), 'JPEG', exif=exif)
    assert (photo_facts_from_header(turned).width, photo_facts_from_header(turned).height) == (451, 300)
    with pytest.raises(UnsupportedImageError):
        photo_facts_from_header(b'not an image')
    with pytest.raises(ImageDecodeError):
        photo_facts_from_header(b'\x89PNG\r\n\x1a\n' + b'\0' * 8)


def test_transparent_picture_is_shown_on_white_on_black_and_with_alpha_dropped():
    assert photo_facts_module.TRANSPARENCY_VIEWS == ('on_white', 'on_black', 'alpha_dropped')
    # Left half opaque red, right half fully transparent over stored green: the three views differ on the right.
    im = Image.new('RGBA', (64, 32), (0, 255, 0, 0))
    im.paste((255, 0, 0, 255), (0, 0, 32, 32))
    facts = photo_facts_from_bytes(encode(im, 'PNG'))
    on_white, on_black, dropped = facts.signatures
    right_cell = (5 * 16 + 15) * 3
    assert on_white[right_cell:right_cell + 3] == b'\xff\xff\xff'
    assert on_black[right_cell:right_cell + 3] == b'\x00\x00\x00'
    assert dropped[right_cell:right_cell + 3] == b'\x00\xff\x00'
    assert on_white[:3] == on_black[:3] == dropped[:3] == b'\xff\x00\x00'
    # The centred square (columns 16 to 47) has the same three views, split in the middle.
    square_white, square_black, square_dropped = facts.centred_square_signatures
    assert square_white[:3] == b'\xff\x00\x00' and square_white[right_cell:right_cell + 3] == b'\xff\xff\xff'
    assert square_dropped[right_cell:right_cell + 3] == b'\x00\xff\x00'
    assert square_black[right_cell:right_cell + 3] == b'\x00\x00\x00'


@pytest.mark.parametrize('fmt, content_type', [('JPEG', 'image/jpeg'), ('PNG', 'image/png'), ('GIF', 'image/gif'), ('BMP', 'image/bmp')])
def test_content_type_is_sniffed_from_bytes(fmt, content_type):
    data = encode(Image.open(os.path.join(FIXTURES, 'cat.jpg')), fmt)
    assert sniff_content_type(data) == content_type
    assert photo_facts_from_bytes(data).content_type == content_type


def test_sniff_refuses_other_bytes():
    assert sniff_content_type(b'RIFF\0\0\0\0WEBPVP8 ') is None
    assert sniff_content_type(b'hello') is None
    assert sniff_content_type(b'') is None


@pytest.mark.parametrize('orientation, swapped', [(2, False), (3, False), (4, False), (5, True), (6, True), (7, True), (8, True)])
def test_dimensions_follow_exif_orientation(orientation, swapped):
    im = Image.open(os.path.join(FIXTURES, 'cat.jpg'))
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = im.transpose(Image.Transpose.ROTATE_90) if swapped else im
    facts = photo_facts_from_bytes(encode(stored, 'JPEG', exif=exif))
    assert (facts.width, facts.height) == (451, 300)


def test_phash_is_stable_across_a_rewrite_and_differs_between_photos():
    cat = Image.open(os.path.join(FIXTURES, 'cat.jpg'))
    original = photo_facts_from_bytes(load('cat.jpg')).phash
    rewritten = photo_facts_from_bytes(encode(cat.resize((240, 160), Image.Resampling.LANCZOS), 'JPEG', quality=75)).phash
    other = photo_facts_from_bytes(load('astronaut.jpg')).phash
    assert bin(int(original, 16) ^ int(rewritten, 16)).count('1') <= 6
    assert bin(int(original, 16) ^ int(other, 16)).count('1') >= 20


def test_16_bit_grey_png_is_scaled_not_clipped():
    grey = Image.open(os.path.join(FIXTURES, 'camera.jpg')).convert('L')
    wide = grey.point(lambda level: level * 257, 'I').convert('I;16')
    sig_wide = photo_facts_from_bytes(encode(wide, 'PNG')).signatures[0]
    sig_grey = photo_facts_from_bytes(encode(grey, 'PNG')).signatures[0]
    assert max(abs(a - b) for a, b in zip(sig_wide, sig_grey)) <= 2


def test_palette_gif_with_transparency_gets_three_signatures():
    im = Image.new('P', (64, 64), 0)
    im.putpalette([255, 0, 0] + [0, 0, 255] * 255)
    im.paste(1, (16, 16, 48, 48))
    facts = photo_facts_from_bytes(encode(im, 'GIF', transparency=0))
    assert len(facts.signatures) == 3
    assert len(set(facts.signatures)) == 3
    # Alpha dropped shows the transparent index's own colour (red) in the corner.
    assert facts.signatures[2][:3] == b'\xff\x00\x00'


@pytest.mark.parametrize('data, error, message', [
    (b'', ImageDecodeError, 'empty'),
    (b'hello world', UnsupportedImageError, 'not a JPEG, PNG, GIF or BMP'),
    (b'\xff\xd8\xff\xe0' + b'\0' * 20, ImageDecodeError, 'cannot be decoded'),
    (b'\x89PNG\r\n\x1a\n' + b'\0' * 20, ImageDecodeError, 'cannot be decoded'),
    (b'GIF89a', ImageDecodeError, 'cannot be decoded'),
    (b'BM' + b'\xff' * 40, ImageDecodeError, 'cannot be decoded'),
])
def test_undecodable_bytes_raise(data, error, message):
    with pytest.raises(error, match=message):
        photo_facts_from_bytes(data)


def test_truncated_jpeg_raises_with_reason():
    data = load('astronaut.jpg')
    with pytest.raises(ImageDecodeError) as info:
        photo_facts_from_bytes(data[:len(data) // 2])
    assert info.value.reason


def test_import_without_pillow_does_not_raise(monkeypatch):
    # Load a separate copy of the file with PIL hidden, so the shared module objects stay untouched.
    for name in list(sys.modules):
        if name == 'PIL' or name.startswith('PIL.'):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'PIL', None)
    spec = importlib.util.spec_from_file_location('photo_facts_without_pil', photo_facts_module.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, 'photo_facts_without_pil', module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    assert module.HAS_PIL is False
    assert 'PIL' in module.pil_import_error()
    with pytest.raises(module.ImageDecodeError, match='Pillow is required'):
        module.photo_facts_from_bytes(b'\xff\xd8\xff')
