# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The perceptual comparison, proven on real photographs in both directions.

Every case builds a local file and the "remote" photo as Graph would store it (EXIF orientation
applied, flattened, downscaled to at most the requested size, re-encoded as JPEG, no metadata),
then compares the two through photo_facts_from_bytes(), as the modules do.
"""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat, PngImagePlugin

from ansible_collections.graphops.msgraph.plugins.module_utils import photo_compare  # noqa: E402
from ansible_collections.graphops.msgraph.plugins.module_utils.photo_compare import (  # noqa: E402
    COMPARE_METHODS,
    MATCH_THRESHOLD,
    distance_details,
    photo_distance,
    photos_match,
)
from ansible_collections.graphops.msgraph.plugins.module_utils.photo_facts import PhotoFacts, photo_facts_from_bytes  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'photos')
PHOTOS = ('astronaut.jpg', 'cat.jpg', 'coffee.jpg', 'rocket.jpg', 'camera.jpg', 'logo-alpha.png')
GRAPH_SIZES = (48, 64, 96, 120, 240, 360, 432, 504, 648)
R = Image.Resampling
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

# Margins the tables must keep (see docs/photo-comparison.md): no same-picture case may come closer
# to the threshold than SAME_MARGIN below it, no different case closer than DIFFERENT_MARGIN above it.
SAME_MARGIN = 1.2
DIFFERENT_MARGIN = 1.2


# ---------------------------------------------------------------- building images

def load(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def decode(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def encode(im, fmt='JPEG', **kwargs):
    buf = io.BytesIO()
    if fmt == 'JPEG' and im.mode not in ('RGB', 'L'):
        im = im.convert('RGB')
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def has_alpha(im):
    return im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info)


def flatten(im, background=WHITE):
    if not has_alpha(im):
        return im.convert('RGB')
    base = Image.new('RGBA', im.size, background + (255,))
    return Image.alpha_composite(base, im.convert('RGBA')).convert('RGB')


def graph_rewrite(data, size=648, quality=75, resample=R.LANCZOS, subsampling='4:2:0', background=WHITE):
    """What Graph stores for an upload: upright, flattened, longer side <= size, JPEG, no metadata."""
    im = flatten(ImageOps.exif_transpose(decode(data)), background)
    if max(im.size) > size:
        scale = size / float(max(im.size))
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), resample)
    return encode(im, 'JPEG', quality=quality, subsampling=subsampling)


# The stored pixels are the upright picture turned by the inverse of what the Orientation tag asks for.
INVERSE_OF_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def with_orientation(data, orientation):
    im = decode(data)
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = im.transpose(INVERSE_OF_ORIENTATION[orientation])
    if has_alpha(im):
        return encode(stored, 'PNG', exif=exif)
    return encode(stored, 'JPEG', quality=92, exif=exif)


def with_metadata(data):
    im = decode(data)
    exif = Image.Exif()
    exif[0x010F] = 'Example Camera Co.'
    exif[0x0131] = 'graphops test'
    exif[0x0132] = '2024:01:02 03:04:05'
    if has_alpha(im):
        info = PngImagePlugin.PngInfo()
        info.add_text('Comment', 'added metadata')
        return encode(im, 'PNG', exif=exif, pnginfo=info)
    return encode(im, 'JPEG', quality=95, exif=exif, comment=b'added metadata')


def cutout(data):
    """The photo with a soft elliptical transparent surround, as a PNG (kept as is when it has alpha)."""
    im = decode(data)
    if has_alpha(im):
        return data
    im = im.convert('RGBA')
    width, height = im.size
    mask = Image.new('L', (width * 4, height * 4), 0)
    ImageDraw.Draw(mask).ellipse((width * 4 // 10, height * 4 // 10, width * 36 // 10, height * 36 // 10), fill=255)
    im.putalpha(ImageChops.multiply(im.getchannel('A'), mask.resize((width, height), R.LANCZOS)))
    return encode(im, 'PNG')


def as_gif(data):
    return encode(decode(data), 'GIF')


def upscaled(data, factor=3):
    im = decode(data)
    big = im.resize((im.width * factor, im.height * factor), R.BICUBIC)
    return encode(big, 'PNG') if has_alpha(im) else encode(big, 'JPEG', quality=90)


def crop(im, side, fraction):
    width, height = im.size
    dx, dy = round(width * fraction), round(height * fraction)
    box = {
        'left': (dx, 0, width, height),
        'right': (0, 0, width - dx, height),
        'top': (0, dy, width, height),
        'bottom': (0, 0, width, height - dy),
        'centre': (dx // 2, dy // 2, width - (dx - dx // 2), height - (dy - dy // 2)),
    }[side]
    return im.crop(box)


def paint_patch(im, where, area=0.10):
    """Paint a solid rectangle of ``area`` of the picture, in a colour that contrasts with what is under it."""
    im = im.copy()
    width, height = im.size
    patch_w, patch_h = round(width * area ** 0.5), round(height * area ** 0.5)
    x = {'top-left': 0, 'top-right': width - patch_w, 'bottom-left': 0, 'bottom-right': width - patch_w,
         'centre': (width - patch_w) // 2}[where]
    y = {'top-left': 0, 'top-right': 0, 'bottom-left': height - patch_h, 'bottom-right': height - patch_h,
         'centre': (height - patch_h) // 2}[where]
    under = ImageStat.Stat(im.crop((x, y, x + patch_w, y + patch_h))).mean
    colour = tuple(0 if level > 127 else 255 for level in under[:3])
    ImageDraw.Draw(im).rectangle((x, y, x + patch_w - 1, y + patch_h - 1), fill=colour)
    return im


def hue_rotate(im, degrees):
    hue, saturation, value = im.convert('HSV').split()
    shift = round(degrees / 360.0 * 256)
    hue = hue.point(lambda level: (level + shift) % 256)
    return Image.merge('HSV', (hue, saturation, value)).convert('RGB')


def channel_shift(im, channel, amount=60):
    bands = list(im.split())
    delta = amount if ImageStat.Stat(bands[channel]).mean[0] < 128 else -amount
    bands[channel] = bands[channel].point(lambda level: max(0, min(255, level + delta)))
    return Image.merge('RGB', bands)


def is_grey(data):
    im = decode(data)
    return im.mode == 'L'


# ---------------------------------------------------------------- the tables

def _same_cases():
    """(id, build) where build(original bytes) -> (local bytes, remote bytes)."""
    cases = []

    def add(case_id, make_local, **rewrite):
        def build(data):
            local = make_local(data)
            return local, graph_rewrite(local, **rewrite)
        cases.append((case_id, build))

    def unchanged(data):
        return data

    for quality in (75, 85, 95):
        add('quality-%d' % quality, unchanged, quality=quality)
        add('quality-%d-444' % quality, unchanged, quality=quality, subsampling='4:4:4')
    for size in GRAPH_SIZES:
        add('size-%d' % size, unchanged, size=size)
    for name, resample in (('lanczos', R.LANCZOS), ('bicubic', R.BICUBIC), ('bilinear', R.BILINEAR), ('box', R.BOX)):
        for size in (48, 96, 240):
            add('%s-%d' % (name, size), unchanged, size=size, resample=resample)
    for orientation in range(2, 9):
        add('exif-orientation-%d' % orientation, lambda data, o=orientation: with_orientation(data, o), size=240)
        add('exif-orientation-%d-48' % orientation, lambda data, o=orientation: with_orientation(data, o), size=48)
    add('png-sent-as-jpeg', lambda data: encode(decode(data), 'PNG'))
    add('gif-sent', as_gif)
    add('bmp-sent', lambda data: encode(flatten(decode(data)), 'BMP'))
    add('metadata-added-then-stripped', with_metadata)
    add('large-local-3x', upscaled, size=648)
    add('large-local-3x-to-96', upscaled, size=96)
    for bg_name, background in (('white', WHITE), ('black', BLACK)):
        for size in (648, 96, 48):
            add('alpha-flattened-on-%s-%d' % (bg_name, size), cutout, size=size, background=background)

    # The remote photo saved with dest and used as the next src: Graph rewrites it once more.
    def rewrite_of_rewrite(data):
        first = graph_rewrite(data)
        return first, graph_rewrite(first, size=240)
    cases.append(('rewrite-of-rewrite', rewrite_of_rewrite))
    return cases


def _different_cases():
    """(id, build, applies_to_grey) where build(original bytes, photo name) -> (local bytes, remote bytes)."""
    cases = []

    def add(case_id, change, size=240, grey=True):
        def build(data, dummy_name):
            changed = change(flatten(decode(data)))
            return data, graph_rewrite(encode(changed, 'PNG'), size=size)
        cases.append((case_id, build, grey))

    for other in PHOTOS:
        cases.append(('another-photo-%s' % other.split('.', maxsplit=1)[0],
                      lambda data, name, o=other: (data, graph_rewrite(load(o), size=240)) if o != name else None, True))
    for size in (240, 48):
        add('mirrored-%d' % size, lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), size=size)
    add('upside-down', lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    for fraction in (0.10, 0.15, 0.25):
        for side in ('left', 'right', 'top', 'bottom', 'centre'):
            add('crop-%d-%s' % (round(fraction * 100), side), lambda im, s=side, f=fraction: crop(im, s, f))
    for side in ('centre', 'left', 'top'):
        add('crop-10-%s-48' % side, lambda im, s=side: crop(im, s, 0.10), size=48)
    for where in ('top-left', 'top-right', 'bottom-left', 'bottom-right', 'centre'):
        for size in (240, 48):
            add('patch-10-%s-%d' % (where, size), lambda im, w=where: paint_patch(im, w), size=size)
    for size in (240, 48):
        add('inverted-%d' % size, ImageOps.invert, size=size)
        add('hue-60-%d' % size, lambda im: hue_rotate(im, 60), size=size, grey=False)
        add('greyscale-%d' % size, lambda im: ImageOps.grayscale(im).convert('RGB'), size=size, grey=False)
        for channel, channel_name in enumerate('rgb'):
            add('shift-%s-60-%d' % (channel_name, size), lambda im, c=channel: channel_shift(im, c), size=size)
    add('hue-180', lambda im: hue_rotate(im, 180), grey=False)
    return cases


SAME_CASES = _same_cases()
DIFFERENT_CASES = _different_cases()

_FACTS_CACHE = {}
_PAIR_CACHE = {}


def same_pair(photo, case_id, build):
    key = ('same', photo, case_id)
    if key not in _PAIR_CACHE:
        _PAIR_CACHE[key] = build(load(photo))
    return _PAIR_CACHE[key]


def different_pair(photo, case_id, build):
    key = ('different', photo, case_id)
    if key not in _PAIR_CACHE:
        _PAIR_CACHE[key] = build(load(photo), photo)
    return _PAIR_CACHE[key]


def facts(data):
    key = hash(data)
    if key not in _FACTS_CACHE:
        _FACTS_CACHE[key] = photo_facts_from_bytes(data)
    return _FACTS_CACHE[key]


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize('case_id, build', SAME_CASES, ids=[case[0] for case in SAME_CASES])
@pytest.mark.parametrize('photo', PHOTOS)
def test_graph_rewrite_is_the_same_picture(photo, case_id, build):
    local, remote = same_pair(photo, case_id, build)
    assert local != remote
    local_facts, remote_facts = facts(local), facts(remote)
    distance = photo_distance(local_facts, remote_facts)
    assert distance < MATCH_THRESHOLD / SAME_MARGIN, distance_details(local_facts, remote_facts)
    assert photos_match(local_facts, remote_facts, 'perceptual')
    assert not photos_match(local_facts, remote_facts, 'sha256')


def _applicable_different_cases():
    """Every (photo, change) pair that really changes the picture: a colour change on a grey photo, or a
    photo compared with itself, is left out rather than skipped."""
    combos = []
    for photo in PHOTOS:
        grey = is_grey(load(photo))
        for case_id, build, grey_ok in DIFFERENT_CASES:
            if (grey and not grey_ok) or case_id == 'another-photo-%s' % photo.split('.', maxsplit=1)[0]:
                continue
            combos.append(pytest.param(photo, case_id, build, id='%s-%s' % (photo, case_id)))
    return combos


@pytest.mark.parametrize('photo, case_id, build', _applicable_different_cases())
def test_visible_change_is_a_different_picture(photo, case_id, build):
    pair = different_pair(photo, case_id, build)
    local_facts, remote_facts = facts(pair[0]), facts(pair[1])
    distance = photo_distance(local_facts, remote_facts)
    assert distance > MATCH_THRESHOLD * DIFFERENT_MARGIN, distance_details(local_facts, remote_facts)
    assert not photos_match(local_facts, remote_facts, 'perceptual')


@pytest.mark.parametrize('photo', PHOTOS)
def test_exif_variant_decodes_upright(photo):
    # Guards the table itself: the orientation variants really are the same picture once transposed.
    data = load(photo)
    for orientation in range(2, 9):
        upright = ImageOps.exif_transpose(decode(with_orientation(data, orientation)))
        assert upright.size == decode(data).size
        assert facts(with_orientation(data, orientation)).width == decode(data).width


def test_sha256_mode_needs_identical_bytes():
    data = load('astronaut.jpg')
    original = facts(data)
    rewritten = facts(graph_rewrite(data, quality=95))
    assert photos_match(original, photo_facts_from_bytes(bytes(data)), 'sha256')
    assert not photos_match(original, rewritten, 'sha256')
    assert photos_match(original, rewritten, 'perceptual')


def test_identical_bytes_have_distance_zero():
    data = load('cat.jpg')
    assert photo_distance(facts(data), photo_facts_from_bytes(data)) == 0.0
    assert photos_match(facts(data), facts(data))


def test_unknown_method_is_refused():
    data = facts(load('cat.jpg'))
    with pytest.raises(ValueError, match='perceptual, sha256'):
        photos_match(data, data, 'md5')
    assert COMPARE_METHODS == ('perceptual', 'sha256')


def test_facts_without_signatures_cannot_be_compared_perceptually():
    full = facts(load('cat.jpg'))
    bare = PhotoFacts(**full.to_dict())
    with pytest.raises(ValueError, match='signatures'):
        photo_distance(full, bare)


def test_transparent_local_matches_either_background_but_not_grey():
    data = load('logo-alpha.png')
    local = facts(data)
    assert len(local.signatures) == 2
    assert photos_match(local, facts(graph_rewrite(data, background=WHITE)))
    assert photos_match(local, facts(graph_rewrite(data, background=BLACK)))
    # A mid-grey background is neither: the corners differ from both signatures.
    assert not photos_match(local, facts(graph_rewrite(data, background=(128, 128, 128))))


def test_small_image_allowance_applies_only_below_the_side():
    data = load('astronaut.jpg')
    assert distance_details(facts(data), facts(graph_rewrite(data, size=48)))['allowance'] == photo_compare.SMALL_IMAGE_ALLOWANCE
    assert distance_details(facts(data), facts(graph_rewrite(data, size=240)))['allowance'] == 1.0


def _all_distances():
    same, different = [], []
    for photo in PHOTOS:
        data = load(photo)
        for case_id, build in SAME_CASES:
            local, remote = same_pair(photo, case_id, build)
            same.append((photo_distance(facts(local), facts(remote)), photo, case_id))
        for case_id, build, grey_ok in DIFFERENT_CASES:
            pair = different_pair(photo, case_id, build)
            if pair is None or (not grey_ok and is_grey(data)):
                continue
            different.append((photo_distance(facts(pair[0]), facts(pair[1])), photo, case_id))
    return same, different


def test_margins_report():
    """Summarises the margins documented in docs/photo-comparison.md (run with -s to see them)."""
    same, different = _all_distances()
    closest_same, closest_different = max(same), min(different)
    print('\nclosest same-picture case: %.3f %s %s' % closest_same)
    print('closest different-picture case: %.3f %s %s' % closest_different)
    print('cases: %d same, %d different' % (len(same), len(different)))
    assert closest_same[0] < MATCH_THRESHOLD < closest_different[0]
