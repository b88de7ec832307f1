# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_info through real ansible-playbook against the emulator: reads, sizes, dest; never writes."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from conftest import ALICE, BOB, CAROL, CONTACT, ENGINEERING_TEAM, FOLDER, FOLDER_CONTACT, MARKETING, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo_info'

TARGETS = [
    ('user', {'user': ALICE}, 'users/%s' % ALICE, True),
    ('group', {'group': MARKETING}, 'groups/%s' % MARKETING, True),
    ('team', {'team': ENGINEERING_TEAM}, 'groups/%s' % ENGINEERING_TEAM, True),
    ('contact', {'user': ALICE, 'contact': CONTACT}, 'users/%s/contacts/%s' % (ALICE, CONTACT), False),
    ('contact-in-folder', {'user': ALICE, 'contact': FOLDER_CONTACT, 'contact_folder': FOLDER},
     'users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT), False),
]


def info_task(target: dict, **options) -> dict:
    return {'name': 'info', MODULE: dict(target, **options)}


@pytest.mark.parametrize('target_id, target, stored_at, sized', TARGETS, ids=[t[0] for t in TARGETS])
def test_info_reads_every_target_and_never_writes(playbook, admin, tmp_path, target_id, target, stored_at, sized):
    admin.put_photo(stored_at, (PHOTOS / 'astronaut.jpg').read_bytes())
    stored = admin.photo_bytes(stored_at)
    admin.clear_log()
    dest = tmp_path / 'saved.jpg'

    run = playbook.run([info_task(target, dest=str(dest))])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['exists'] is True
    assert result['changed'] is True
    assert result['photo']['sha256'] == hashlib.sha256(stored).hexdigest()
    assert result['photo']['content_type'] == 'image/jpeg'
    assert result['photo']['etag']
    assert dest.read_bytes() == stored
    if sized:
        assert '648x648' not in result['photo']['sizes'] or result['photo']['width'] >= 648
        assert result['photo']['sizes'][0] == '48x48'
    else:
        assert result['photo']['sizes'] is None
    assert admin.writes() == []

    again = playbook.run([info_task(target, dest=str(dest))])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False


def test_no_photo_is_reported_not_failed(playbook, admin, tmp_path):
    dest = tmp_path / 'none.jpg'
    run = playbook.run([info_task({'user': CAROL}, dest=str(dest))])
    assert run.rc == 0, run.output
    assert run.result()['exists'] is False
    assert run.result()['photo'] is None
    assert run.result()['changed'] is False
    assert not dest.exists()


def test_a_chosen_size_is_read_and_saved(playbook, admin, tmp_path):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'astronaut.jpg').read_bytes())
    dest = tmp_path / 'bob-96.jpg'
    run = playbook.run([info_task({'user': BOB}, size='96x96', dest=str(dest))])
    assert run.rc == 0, run.output
    assert (run.result()['photo']['width'], run.result()['photo']['height']) == (96, 96)
    with Image.open(dest) as image:
        assert image.size == (96, 96)


def test_check_mode_does_not_write_dest(playbook, admin, tmp_path):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    dest = tmp_path / 'bob.jpg'
    run = playbook.run([info_task({'user': BOB}, dest=str(dest))], check=True)
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert not dest.exists()


@pytest.mark.parametrize('options, expected', [
    ({'user': ALICE, 'contact': CONTACT, 'size': '96x96'}, 'size is not available for users/%s/contacts/%s' % (ALICE, CONTACT)),
    ({'user': 'nobody@contoso.com'}, 'users/nobody@contoso.com was not found'),
    ({'user': ALICE, 'team': ENGINEERING_TEAM}, 'Name exactly one principal'),
], ids=['size-for-contact', 'unknown-user', 'two-targets'])
def test_info_errors_are_clear(playbook, admin, options, expected):
    admin.put_photo('users/%s/contacts/%s' % (ALICE, CONTACT), (PHOTOS / 'cat.jpg').read_bytes())
    run = playbook.run([info_task(options)])
    assert run.rc != 0
    assert expected in run.result()['msg']
    assert 'Traceback' not in run.output


def test_a_size_larger_than_the_photo_is_refused_with_the_sizes_on_offer(playbook, admin):
    admin.put_photo('groups/%s' % MARKETING, (PHOTOS / 'cat.jpg').read_bytes())  # 451x300: smaller than 648x648
    run = playbook.run([info_task({'group': MARKETING}, size='648x648')])
    assert run.rc != 0
    assert 'is not offered in size 648x648; it is offered in 48x48' in run.result()['msg']
