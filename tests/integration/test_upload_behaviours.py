# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second run changes nothing, whatever Graph does to an upload (issue 10).

Public sources leave open how Graph rewrites an upload (see GRAPH_PHOTO_API.md, "Unconfirmed, so handle each
way"): crop to a centred square or keep the aspect; apply or ignore the EXIF orientation; flatten transparency
onto white or black, or drop the alpha channel; snap sizes to the size list; the JPEG quality; the filter it scales
down with (the stored photo and the renditions the bulk sync compares); sized renditions
flattened while ``/photo/$value`` keeps alpha; a misleading 404 or a 413 for an oversized photo of a user without
a mailbox; ``$batch`` answers in any order. The emulator has a switch for each. Under each of them, and a few
combinations, both modules set a set of awkward photos (a portrait phone photo with EXIF orientation 6, a
landscape photo sent as it is, a transparent PNG, a large camera photo, a PNG over 100 KB for a user without a
mailbox), and then:

- a second run reports ``changed: false`` and the emulator's log holds no write;
- the picture Graph holds is upright and shows the file (judged here with plain Pillow arithmetic, independent
  of the module's own compare).
"""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageOps

from conftest import ALICE, BOB, CAROL, CONTACT, FOLDER, FOLDER_CONTACT, MARKETING, PHOTOS

SINGLE = 'graphops.msgraph.graph_profile_photo'
SYNC = 'graphops.msgraph.graph_profile_photo_sync'

# Every behaviour the emulator can show (emulator/README.md), one at a time, then combined.
BEHAVIOURS = {
    'as-documented': {},
    'crop-square': {'aspect': 'crop_square'},
    'exif-ignored': {'exif_orientation': 'ignore'},
    'alpha-on-black': {'flatten_background': 'black'},
    'alpha-dropped': {'flatten_background': 'drop'},
    'value-keeps-alpha': {'value_keeps_alpha': True},
    'snapped-sizes': {'snap_sizes': True},
    'jpeg-quality-75': {'jpeg_quality': 75},
    'jpeg-quality-95': {'jpeg_quality': 95},
    'no-mailbox-413': {'no_mailbox_oversize': '413'},
    'missing-size-1x1': {'missing_size': '1x1'},
    'batch-in-request-order': {'batch_order': 'request'},
    'downscale-bicubic': {'downscale_filter': 'bicubic'},
    'downscale-bilinear': {'downscale_filter': 'bilinear'},
    'downscale-box': {'downscale_filter': 'box'},
    'downscale-nearest': {'downscale_filter': 'nearest'},
    'crop-exif-ignored-black-snapped-q75': {
        'aspect': 'crop_square', 'exif_orientation': 'ignore', 'flatten_background': 'black', 'snap_sizes': True, 'jpeg_quality': 75},
    'crop-alpha-dropped-keeps-alpha-q95': {
        'aspect': 'crop_square', 'flatten_background': 'drop', 'value_keeps_alpha': True, 'jpeg_quality': 95},
}

# EXIF orientation 6 asks a viewer to turn the stored pixels 90 degrees clockwise: a phone held upright
# stores the picture turned the other way.
ORIENTATION_TAG = 0x0112


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _with_orientation_6(upright: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    return _encode(upright.transpose(Image.Transpose.ROTATE_90), 'JPEG', quality=92, exif=exif)


def _noisy(image: Image.Image, seed: int) -> Image.Image:
    """Grain that defeats PNG compression (so the file is well over 100 KB) without changing the picture."""
    rng = random.Random(seed)
    grain = Image.frombytes('L', image.size, bytes(rng.randrange(0, 24) for dummy in range(image.width * image.height)))
    return Image.composite(image, image.point(lambda value: max(0, value - 12)), grain.point(lambda value: 255 if value > 11 else 0))


@pytest.fixture(scope='module')
def declared(tmp_path_factory):
    """name -> (path of the file to declare, the upright picture it shows, flattened on white)."""
    directory = tmp_path_factory.mktemp('behaviour-photos')
    coffee = Image.open(PHOTOS / 'coffee.jpg').convert('RGB')
    rocket = Image.open(PHOTOS / 'rocket.jpg').convert('RGB')
    cat = Image.open(PHOTOS / 'cat.jpg').convert('RGB')
    logo = Image.open(PHOTOS / 'logo-alpha.png').convert('RGBA')
    portrait = coffee.transpose(Image.Transpose.ROTATE_90)                     # 400x600, upright
    camera = rocket.resize((2400, 1601), Image.Resampling.BICUBIC)             # a big landscape camera photo
    heavy = _noisy(cat.resize((900, 600), Image.Resampling.BICUBIC), seed=7)   # a PNG over 100 KB
    on_white = Image.alpha_composite(Image.new('RGBA', logo.size, (255, 255, 255, 255)), logo).convert('RGB')
    files = {
        'portrait-exif6.jpg': (_with_orientation_6(portrait), portrait),
        'landscape.jpg': ((PHOTOS / 'rocket.jpg').read_bytes(), rocket),
        'logo-alpha.png': ((PHOTOS / 'logo-alpha.png').read_bytes(), on_white),
        'camera-exif6.jpg': (_with_orientation_6(camera), camera),
        'heavy.png': (_encode(heavy, 'PNG'), heavy),
    }
    out = {}
    for name, (data, upright) in files.items():
        path = directory / name
        path.write_bytes(data)
        out[name] = (str(path), upright)
    assert len(files['heavy.png'][0]) > 150 * 1024, 'the no-mailbox case needs a file well over 100 KB'
    return out


# principal -> file, for each module. Carol has no mailbox; contacts and groups have no size list of their own.
SINGLE_TARGETS = {
    'users/%s' % ALICE: ({'user': ALICE}, 'portrait-exif6.jpg'),
    'users/%s' % CAROL: ({'user': CAROL}, 'heavy.png'),
    'users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT):
        ({'user': ALICE, 'contact': FOLDER_CONTACT, 'contact_folder': FOLDER}, 'logo-alpha.png'),
}
SYNC_TARGETS = {
    'users/%s' % BOB: ({'user': BOB}, 'landscape.jpg'),
    'groups/%s' % MARKETING: ({'group': MARKETING}, 'camera-exif6.jpg'),
    'users/%s/contacts/%s' % (ALICE, CONTACT): ({'user': ALICE, 'contact': CONTACT}, 'logo-alpha.png'),
}


def _tasks(declared_files) -> list:
    tasks = [{'name': 'photo of %s' % principal, SINGLE: dict(target, src=declared_files[name][0]), 'register': 'single'}
             for principal, (target, name) in SINGLE_TARGETS.items()]
    tasks.append({'name': 'sync', SYNC: {'photos': [dict(target, src=declared_files[name][0])
                                                    for target, name in SYNC_TARGETS.values()]}})
    return tasks


def _grey_grid(image: Image.Image) -> list:
    return list(image.convert('L').resize((16, 16), Image.Resampling.BOX).tobytes())


def _mean_difference(first: Image.Image, second: Image.Image) -> float:
    return sum(abs(a - b) for a, b in zip(_grey_grid(first), _grey_grid(second))) / 256.0


def _centred_square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def assert_shows_upright(stored: bytes, upright: Image.Image, principal: str) -> None:
    """Graph's picture is the declared one, upright: closer to it than to any turned or mirrored version."""
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(stored))).convert('RGB')
    expected = upright
    if shown.width == shown.height and upright.width != upright.height:
        expected = _centred_square(upright)  # a Graph that crops to the centred square
    else:
        ratio = (shown.width / shown.height) / (expected.width / expected.height)
        assert 0.97 < ratio < 1.03, '%s: Graph holds a %dx%d picture for a %dx%d file' % (
            principal, shown.width, shown.height, upright.width, upright.height)
    same = _mean_difference(shown, expected)
    others = {transform.name: _mean_difference(shown, expected.transpose(transform))
              for transform in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270,
                                Image.Transpose.FLIP_LEFT_RIGHT)}
    assert same < 12, '%s: Graph holds another picture (mean grey difference %.1f)' % (principal, same)
    assert all(same < other for other in others.values()), '%s is not upright: %.1f vs %r' % (principal, same, others)


@pytest.mark.parametrize('behaviour', list(BEHAVIOURS.values()), ids=list(BEHAVIOURS))
def test_second_run_writes_nothing_and_graph_shows_the_file_upright(playbook, admin, declared, behaviour):
    admin.config(**behaviour)
    tasks = _tasks(declared)
    first = playbook.run(tasks)
    assert first.rc == 0, first.output
    assert all(task['result'].get('changed') for task in first.results), first.output
    for principal, (dummy, name) in list(SINGLE_TARGETS.items()) + list(SYNC_TARGETS.items()):
        stored = admin.photo_bytes(principal)
        assert stored is not None, '%s has no photo after the first run' % principal
        assert_shows_upright(stored, declared[name][1], principal)

    admin.clear_log()
    second = playbook.run(tasks)
    assert second.rc == 0, second.output
    changed = [task['task'] for task in second.results if task['result'].get('changed')]
    assert changed == [], 'changed on the second run under %r: %s' % (behaviour, changed)
    assert admin.writes() == [], 'the second run wrote under %r' % behaviour
    sync = second.result()
    assert sync['totals']['unchanged'] == len(SYNC_TARGETS)
    # Each result says what would have been uploaded and why.
    assert {item['principal']: item['upload']['prepared'] for item in sync['results']} == {
        'users/%s' % BOB: False,                                   # a plain 640x427 JPEG under 100 KB goes as it is
        'groups/%s' % MARKETING: True,
        'users/%s/contacts/%s' % (ALICE, CONTACT): True,
    }
