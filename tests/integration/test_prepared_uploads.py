# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prepare, crop and force through real ansible-playbook against the emulator (which rewrites uploads, as Graph does).

A camera photo over Graph's 4 MB limit is prepared and set, then left alone; force: false never replaces a photo;
prepare: never keeps the 4 MB limit before any request; a user without a mailbox (about 100 KB) gets a 300 KB PNG.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from conftest import ALICE, BOB, CAROL, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo'
SYNC = 'graphops.msgraph.graph_profile_photo_sync'
MIB = 1024 * 1024


def grainy(size, grain=0.3):
    """A picture with camera-like grain: it compresses as badly as a real photo does."""
    width, height = size
    picture = Image.open(PHOTOS / 'rocket.jpg').convert('RGB').resize(size, Image.Resampling.BILINEAR)
    ImageDraw.Draw(picture).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), outline=(255, 200, 0), width=width // 50)
    noise = Image.merge('RGB', [Image.effect_noise(size, 50) for dummy in range(3)])
    return Image.blend(picture, noise, grain)


@pytest.fixture(scope='module')
def camera_jpeg() -> bytes:
    """A portrait phone photo: 4000x3000 stored, EXIF orientation 6, over 4 MB."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    grainy((4000, 3000), grain=0.35).save(out, 'JPEG', quality=95, exif=exif)
    data = out.getvalue()
    assert len(data) > 4 * MIB, len(data)
    return data


@pytest.fixture(scope='module')
def png_300kb() -> bytes:
    out = io.BytesIO()
    grainy((400, 400), grain=0.2).save(out, 'PNG')
    data = out.getvalue()
    assert 250 * 1024 < len(data) < 4 * MIB, len(data)
    return data


def write(path, data):
    path.write_bytes(data)
    return str(path)


def test_a_camera_photo_over_4_mb_is_prepared_set_upright_and_then_left_alone(playbook, admin, tmp_path, camera_jpeg):
    src = write(tmp_path / 'phone.jpg', camera_jpeg)
    task = {MODULE: {'user': ALICE, 'src': src}}
    first = playbook.run([task])
    assert first.rc == 0, first.output
    result = first.result()
    assert result['changed'] is True and result['action'] == 'set'
    assert result['upload'] == {'prepared': True, 'reasons': ['exif_orientation', 'larger_than_648px', 'over_100KB']}
    # photo.after is what was uploaded: the prepared JPEG, upright (portrait), not the 4000x3000 file.
    after = result['photo']['after']
    assert (after['width'], after['height'], after['content_type']) == (486, 648, 'image/jpeg')
    assert after['size'] <= 102400
    stored = admin.photo_facts('users/%s' % ALICE)
    assert (stored['width'], stored['height']) == (486, 648)

    admin.clear_log()
    second = playbook.run([task])
    assert second.rc == 0, second.output
    assert second.result()['changed'] is False and second.result()['action'] == 'none'
    assert second.result()['upload']['prepared'] is True
    assert admin.writes() == []


def test_force_false_keeps_bobs_photo_and_sets_alices(playbook, admin):
    bob_before = admin.photo_facts('users/%s' % BOB)
    assert bob_before is not None and admin.photo_facts('users/%s' % ALICE) is None
    src = str(PHOTOS / 'astronaut.jpg')
    admin.clear_log()
    run = playbook.run([{MODULE: {'user': BOB, 'src': src, 'force': False}},
                        {MODULE: {'user': ALICE, 'src': src, 'force': False}}])
    assert run.rc == 0, run.output
    bob, alice = run.result(0), run.result(1)
    assert bob['changed'] is False and bob['action'] == 'none'
    assert bob['photo']['before'] == bob['photo']['after'] and bob['photo']['before'] is not None
    assert alice['changed'] is True and alice['action'] == 'set'
    assert alice['upload'] == {'prepared': False, 'reasons': []}
    writes = admin.writes()
    assert len(writes) == 1 and writes[0]['principal'].startswith('users/') and writes[0]['method'] == 'PUT'
    assert admin.photo_facts('users/%s' % BOB)['sha256'] == bob_before['sha256']
    assert admin.photo_facts('users/%s' % ALICE) is not None


def test_prepare_never_keeps_the_4_mb_limit_before_any_request(playbook, admin, tmp_path, camera_jpeg):
    src = write(tmp_path / 'phone.jpg', camera_jpeg)
    admin.clear_log()
    run = playbook.run([{MODULE: {'user': ALICE, 'src': src, 'prepare': 'never'}}])
    assert run.rc != 0
    message = run.result()['msg']
    assert 'over the 4 MB limit of Graph' in message and src in message and 'set prepare to auto' in message
    assert admin.log() == []


def test_a_user_without_mailbox_gets_a_300_kb_png_prepared(playbook, admin, tmp_path, png_300kb):
    src = write(tmp_path / 'carol.png', png_300kb)
    task = {MODULE: {'user': CAROL, 'src': src}}
    first = playbook.run([task])
    assert first.rc == 0, first.output
    assert first.result()['changed'] is True
    assert first.result()['upload'] == {'prepared': True, 'reasons': ['over_100KB']}
    assert admin.photo_facts('users/%s' % CAROL) is not None
    admin.clear_log()
    second = playbook.run([task])
    assert second.rc == 0 and second.result()['changed'] is False, second.output
    assert admin.writes() == []


# Graph has answered an oversized photo of a user without a mailbox with a misleading 404 (microsoft-graph-docs
# issue 8236) and with a 413: the emulator's no_mailbox_oversize switch gives either, the message explains both.
@pytest.mark.parametrize('answer', ['404', '413'])
def test_the_file_as_it_is_refused_for_a_user_without_mailbox_is_explained(playbook, admin, tmp_path, png_300kb, answer):
    admin.config(no_mailbox_oversize=answer)
    src = write(tmp_path / 'carol.png', png_300kb)
    run = playbook.run([{MODULE: {'user': CAROL, 'src': src, 'prepare': 'never'}}])
    assert run.rc != 0
    message = run.result()['msg']
    assert message.startswith('Could not set the photo of users/carol@contoso.com: HTTP %s' % answer)
    assert 'was not found' not in message
    assert 'about 100 KB for users without an Exchange mailbox' in message
    assert 'the upload was %d bytes' % len(png_300kb) in message.lower()
    assert 'Use prepare: auto (the default) or always' in message
    assert admin.photo_facts('users/%s' % CAROL) is None


def test_sync_prepares_each_file_and_force_false_keeps_existing_photos(playbook, admin, tmp_path, camera_jpeg, png_300kb):
    photos = tmp_path / 'photos'
    photos.mkdir()
    write(photos / ('%s.jpg' % ALICE), camera_jpeg)
    write(photos / ('%s.jpg' % BOB), (PHOTOS / 'cat.jpg').read_bytes())
    write(photos / ('%s.png' % CAROL), png_300kb)
    bob_before = admin.photo_facts('users/%s' % BOB)
    task = {SYNC: {'src_dir': str(photos), 'force': False, 'crop': 'square'}}
    admin.clear_log()
    first = playbook.run([task])
    assert first.rc == 0, first.output
    results = {result['principal']: result for result in first.result()['results']}
    alice, bob, carol = results['users/%s' % ALICE], results['users/%s' % BOB], results['users/%s' % CAROL]
    assert alice['action'] == 'set'
    assert alice['upload'] == {'prepared': True,
                               'reasons': ['exif_orientation', 'crop_square', 'larger_than_648px', 'over_100KB']}
    assert (alice['photo']['after']['width'], alice['photo']['after']['height']) == (648, 648)
    assert carol['action'] == 'set' and carol['upload'] == {'prepared': True, 'reasons': ['over_100KB']}
    assert bob['action'] == 'none' and bob['changed'] is False
    assert bob['reason'] == 'a photo is already set; kept because force is false'
    assert bob['upload'] == {'prepared': True, 'reasons': ['crop_square']}
    assert first.result()['totals'] == {'unchanged': 1, 'set': 2, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert sorted(entry['principal'] for entry in admin.writes()) == sorted(
        'users/%s' % admin.state()['upn_index'][upn] for upn in (ALICE, CAROL))
    assert admin.photo_facts('users/%s' % BOB)['sha256'] == bob_before['sha256']

    admin.clear_log()
    second = playbook.run([task])
    assert second.rc == 0, second.output
    assert second.result()['totals'] == {'unchanged': 3, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert admin.writes() == []
