# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The perceptual compare against a Graph that crops uploads to their centred square, or drops the alpha channel.

Through real ansible-playbook against the emulator switched to each behaviour: a non-square photo (landscape or
portrait) is set once and then left alone, because the square Graph keeps is its centred square; a photo whose
centred square is another one is still set; a transparent PNG sent as it is matches what Graph shows without alpha.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw

from conftest import ALICE, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo'
SYNC = 'graphops.msgraph.graph_profile_photo_sync'


def jpeg(im) -> bytes:
    out = io.BytesIO()
    im.convert('RGB').save(out, 'JPEG', quality=90)
    return out.getvalue()


def landscape() -> Image.Image:
    return Image.open(PHOTOS / 'cat.jpg').convert('RGB')


def portrait() -> Image.Image:
    return Image.open(PHOTOS / 'rocket.jpg').convert('RGB').transpose(Image.Transpose.ROTATE_90)


def set_then_again(playbook, admin, task):
    first = playbook.run([task])
    assert first.rc == 0, first.output
    admin.clear_log()
    second = playbook.run([task])
    assert second.rc == 0, second.output
    return first.result(), second.result()


@pytest.mark.parametrize('picture', [landscape, portrait], ids=['landscape', 'portrait'])
def test_the_centred_square_graph_keeps_is_the_same_picture(playbook, admin, tmp_path, picture):
    admin.config(aspect='crop_square')
    im = picture()
    src = tmp_path / 'photo.jpg'
    src.write_bytes(jpeg(im))
    first, second = set_then_again(playbook, admin, {MODULE: {'user': ALICE, 'src': str(src)}})
    assert first['changed'] is True and first['upload']['prepared'] is False
    stored = admin.photo_facts('users/%s' % ALICE)
    assert stored['width'] == stored['height'] == min(im.size)
    assert second['changed'] is False and second['action'] == 'none'
    assert admin.writes() == []


def test_sync_leaves_the_centred_square_alone(playbook, admin, tmp_path):
    admin.config(aspect='crop_square')
    photos = tmp_path / 'photos'
    photos.mkdir()
    (photos / ('%s.jpg' % ALICE)).write_bytes(jpeg(landscape()))
    first, second = set_then_again(playbook, admin, {SYNC: {'src_dir': str(photos)}})
    assert first['totals']['set'] == 1
    assert second['totals'] == {'unchanged': 1, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert admin.writes() == []


def test_another_crop_of_the_same_photo_is_still_set(playbook, admin, tmp_path):
    # Set the whole picture, then declare it cropped by 10% on the left: Graph holds the old centred square,
    # which is 7.5% of its side away from the new picture's centred square.
    admin.config(aspect='crop_square')
    im = landscape()
    src = tmp_path / 'photo.jpg'
    src.write_bytes(jpeg(im))
    assert playbook.run([{MODULE: {'user': ALICE, 'src': str(src)}}]).rc == 0
    src.write_bytes(jpeg(im.crop((round(im.width * 0.10), 0, im.width, im.height))))
    admin.clear_log()
    run = playbook.run([{MODULE: {'user': ALICE, 'src': str(src)}}])
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True and run.result()['action'] == 'set'
    assert len(admin.writes()) == 1


def test_transparent_png_sent_as_is_matches_when_graph_drops_the_alpha(playbook, admin, tmp_path):
    # The surround is transparent over the photo itself: dropped alpha shows the whole photo, neither
    # flattening does.
    admin.config(flatten_background='drop')
    im = landscape().convert('RGBA')
    mask = Image.new('L', im.size, 0)
    ImageDraw.Draw(mask).ellipse((im.width // 10, im.height // 10, im.width * 9 // 10, im.height * 9 // 10), fill=255)
    im.putalpha(ImageChops.multiply(im.getchannel('A'), mask))
    src = tmp_path / 'cutout.png'
    im.save(src, 'PNG')
    first, second = set_then_again(playbook, admin, {MODULE: {'user': ALICE, 'src': str(src), 'prepare': 'never'}})
    assert first['changed'] is True and first['upload']['prepared'] is False
    assert second['changed'] is False and second['action'] == 'none'
    assert admin.writes() == []
