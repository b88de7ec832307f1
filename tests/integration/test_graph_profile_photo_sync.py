# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_sync through real ansible-playbook against the emulator (rewrite and throttling on).

What was written is read from the side: the emulator's request log and state, never the module's own word.
"""

from __future__ import annotations

import random
import shutil

from conftest import ALICE, ALICE_ID, BOB, CAROL, CONTACT, ENGINEERING_TEAM, FOLDER, FOLDER_CONTACT, MARKETING, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo_sync'
BOB_ID = '2d8f4b1a-5c3e-4f97-8b26-4a9d3e8c7f12'
NOBODY = 'nobody@contoso.com'


def sync_task(**options) -> dict:
    return {'name': 'sync', MODULE: options, 'register': 'sync_result'}


def photo(name: str) -> str:
    return str(PHOTOS / name)


def by_principal(result: dict) -> dict:
    return {item['principal']: item for item in result['results']}


def photo_directory(tmp_path, files: dict):
    """A src_dir holding copies of the fixture photos under the given names."""
    directory = tmp_path / 'photos'
    directory.mkdir()
    for name, fixture in files.items():
        shutil.copy(PHOTOS / fixture, directory / name)
    return directory


def test_list_with_mixed_states_reports_each_item_and_fails_at_the_end(playbook, admin):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    admin.clear_log()
    run = playbook.run([sync_task(photos=[
        {'user': ALICE, 'src': photo('astronaut.jpg')},                     # no photo yet: set
        {'user': BOB, 'src': photo('cat.jpg')},                             # rewritten copy of the same: unchanged
        {'group': MARKETING, 'state': 'absent'},                            # has a photo: removed
        {'user': ALICE, 'contact': CONTACT, 'state': 'absent'},             # Graph cannot delete it: failed
        {'user': NOBODY, 'src': photo('rocket.jpg')},                       # unknown user: failed
        {'team': ENGINEERING_TEAM, 'state': 'absent'},                      # no photo: unchanged
    ])])
    assert run.rc != 0
    result = run.result()
    assert 'totals' in result, run.output
    assert result['totals'] == {'unchanged': 2, 'set': 1, 'removed': 1, 'failed': 2, 'skipped': 0}
    items = by_principal(result)
    assert [item['principal'] for item in result['results']] == [
        'users/%s' % ALICE, 'users/%s' % BOB, 'groups/%s' % MARKETING, 'users/%s/contacts/%s' % (ALICE, CONTACT),
        'users/%s' % NOBODY, 'teams/%s' % ENGINEERING_TEAM]
    assert items['users/%s' % ALICE]['action'] == 'set' and items['users/%s' % ALICE]['changed'] is True
    assert items['users/%s' % BOB]['action'] == 'none' and items['users/%s' % BOB]['error'] is None
    assert items['groups/%s' % MARKETING]['action'] == 'remove'
    assert 'cannot delete the photo' in items['users/%s/contacts/%s' % (ALICE, CONTACT)]['error']
    assert 'was not found' in items['users/%s' % NOBODY]['error']
    # The task failed at the end, naming each failed item, after doing the others.
    assert result['msg'].startswith('2 of 6 items failed: ')
    assert 'users/%s/contacts/%s' % (ALICE, CONTACT) in result['msg'] and 'users/%s' % NOBODY in result['msg']
    assert result['changed'] is True
    writes = sorted((entry['method'], entry['principal']) for entry in admin.writes())
    assert writes == [('DELETE', 'groups/%s' % MARKETING), ('PUT', 'users/%s' % ALICE_ID)]
    assert all(entry['batch'] for entry in admin.writes())
    assert admin.photo_bytes('users/%s' % ALICE) is not None
    assert admin.photo_bytes('groups/%s' % MARKETING) is None


def test_directory_check_mode_writes_nothing_then_sets_then_is_unchanged(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {
        '%s.jpg' % ALICE: 'astronaut.jpg',
        '%s.png' % BOB_ID: 'logo-alpha.png',
        '%s.jpeg' % CAROL: 'coffee.jpg',
        'README.txt': 'README.md',          # not a photo: ignored
    })
    admin.clear_log()
    check = playbook.run([sync_task(src_dir=str(directory))], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.result()['changed'] is True
    assert check.result()['totals'] == {'unchanged': 0, 'set': 3, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert admin.writes() == [], 'check mode sent a write'
    assert admin.photo_bytes('users/%s' % ALICE) is None
    # One diff per changed item, naming the principal and the file.
    diffs = check.result()['diff']
    assert len(diffs) == 3
    assert 'users/%s (photo from %s)' % (ALICE, directory / ('%s.jpg' % ALICE)) in [diff['after_header'] for diff in diffs]
    assert 'users/%s (current photo, compared at 96x96)' % BOB_ID in [diff['before_header'] for diff in diffs]
    # The reads went through $batch: one batch POST of 96x96 renditions for the three users, one of photo/$value for
    # the two whose rendition read said 404 (no photo, or no such size: only the photo itself tells), nothing else.
    graph_posts = [entry for entry in admin.log() if not entry['batch'] and '/$batch' in entry['path']]
    assert len(graph_posts) == 2

    real = playbook.run([sync_task(src_dir=str(directory))])
    assert real.rc == 0, real.output
    assert real.result()['totals'] == {'unchanged': 0, 'set': 3, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert len([entry for entry in admin.writes() if entry['status'] == 200]) == 3
    for principal in ('users/%s' % ALICE, 'users/%s' % BOB, 'users/%s' % CAROL):
        assert admin.photo_bytes(principal) is not None

    admin.clear_log()
    again = playbook.run([sync_task(src_dir=str(directory))])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False
    assert again.result()['totals'] == {'unchanged': 3, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert admin.writes() == []


def test_directory_file_names_that_name_nobody_fail_with_a_reason(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {
        '%s.jpg' % ALICE: 'astronaut.jpg',
        'Alice Example.jpg': 'cat.jpg',            # a display name, not a UPN: never guessed
        '%s.jpg' % NOBODY: 'rocket.jpg',           # well-formed, but no such user
    })
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory))])
    assert run.rc != 0
    items = by_principal(run.result())
    assert items['users/%s' % ALICE]['error'] is None and items['users/%s' % ALICE]['changed'] is True
    assert 'neither a userPrincipalName' in items['users/Alice Example']['error']
    assert 'was not found' in items['users/%s' % NOBODY]['error']
    assert '%s.jpg' % NOBODY in items['users/%s' % NOBODY]['error']
    assert run.result()['totals']['failed'] == 2
    # Only alice was written; the misnamed file was never sent anywhere.
    assert [entry['principal'] for entry in admin.writes()] == ['users/%s' % ALICE_ID]
    assert not any('Alice Example' in (entry['path'] or '') for entry in admin.log())


def test_shards_cover_every_item_exactly_once_whatever_the_order(playbook, admin):
    photos = [
        {'user': ALICE, 'src': photo('astronaut.jpg')},
        {'user': BOB, 'src': photo('camera.jpg')},
        {'user': CAROL, 'src': photo('coffee.jpg')},
        {'group': MARKETING, 'src': photo('rocket.jpg')},
        {'user': ALICE, 'contact': CONTACT, 'src': photo('cat.jpg')},
        {'user': ALICE, 'contact': FOLDER_CONTACT, 'contact_folder': FOLDER, 'src': photo('camera.jpg')},
        {'user': ALICE_ID, 'contact': CONTACT, 'state': 'absent'},   # fails; still in exactly one shard
    ]
    every = {'users/%s' % ALICE, 'users/%s' % BOB, 'users/%s' % CAROL, 'groups/%s' % MARKETING,
             'users/%s/contacts/%s' % (ALICE, CONTACT), 'users/%s/contactFolders/%s/contacts/%s' % (ALICE, FOLDER, FOLDER_CONTACT),
             'users/%s/contacts/%s' % (ALICE_ID, CONTACT)}
    shuffled = list(photos)
    random.Random(7).shuffle(shuffled)
    admin.clear_log()
    seen = []
    for index in range(3):
        first = playbook.run([sync_task(photos=photos, shard_index=index, shard_count=3)], check=True)
        second = playbook.run([sync_task(photos=shuffled, shard_index=index, shard_count=3)], check=True)
        principals = [item['principal'] for item in first.result()['results']]
        # The same shard whatever the order of the list: the split hashes principals, not positions.
        assert sorted(principals) == sorted(item['principal'] for item in second.result()['results'])
        assert first.result()['shard'] == {'index': index, 'count': 3, 'in_shard': len(principals), 'declared': 7}
        seen.extend(principals)
    assert sorted(seen) == sorted(every), 'each item in exactly one shard'
    assert len(seen) == len(set(seen)) == 7
    assert admin.writes() == []


def test_shards_applied_one_by_one_write_each_principal_once(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'astronaut.jpg', '%s.jpg' % BOB: 'rocket.jpg',
                                           '%s.jpg' % CAROL: 'coffee.jpg'})
    admin.clear_log()
    for index in range(2):
        run = playbook.run([sync_task(src_dir=str(directory), shard_index=index, shard_count=2)])
        assert run.rc == 0, run.output
    written = sorted(entry['principal'] for entry in admin.writes())
    state = admin.state()
    ids = sorted('users/%s' % state['upn_index'][upn] for upn in (ALICE, BOB, CAROL))
    assert written == ids


def test_inner_429s_are_retried_per_item_after_retry_after(playbook, admin, emulator, tmp_path):
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'astronaut.jpg', '%s.jpg' % BOB: 'rocket.jpg',
                                           '%s.jpg' % CAROL: 'coffee.jpg'})
    emulator.admin.faults(rates={'429': 0.3}, retry_after=['0.05'], seed=11)
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), retries=10)], verbosity=3)
    emulator.admin.clear_faults()
    assert run.rc == 0, run.output
    assert run.result()['totals'] == {'unchanged': 0, 'set': 3, 'removed': 0, 'failed': 0, 'skipped': 0}
    inner = [entry for entry in admin.log() if entry['batch']]
    throttled = [entry for entry in inner if entry['status'] == 429]
    assert throttled, 'the fault rate should have throttled some inner requests'
    assert run.result()['stats']['inner_retries'] == len(throttled)
    # Every principal ended with one successful write, although some inner requests were answered 429.
    assert len([entry for entry in admin.writes() if entry['status'] == 200]) == 3
    assert any('(in $batch): HTTP 429' in line for line in run.result()['graph_retries'])


def test_sha256_compare_and_the_action_group_defaults(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {'%s.jpg' % BOB: 'cat.jpg'})
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    admin.clear_log()
    perceptual = playbook.run([sync_task(src_dir=str(directory))], check=True)
    byte_equal = playbook.run([sync_task(src_dir=str(directory), compare='sha256')], check=True)
    # A failed run reports changed=False too: the run must have succeeded and compared Bob's photo.
    assert perceptual.rc == 0, perceptual.output
    assert perceptual.result()['changed'] is False
    assert perceptual.result()['totals'] == {'unchanged': 1, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    (bob,) = perceptual.result()['results']
    assert (bob['action'], bob['has_photo'], bob['reason']) == ('none', True, 'the photo already shows src')
    # Graph rewrote the photo: its bytes never equal the file's.
    assert byte_equal.rc == 0, byte_equal.output
    assert byte_equal.result()['changed'] is True
    assert byte_equal.result()['totals'] == {'unchanged': 0, 'set': 1, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert byte_equal.result()['results'][0]['reason'] == 'the photo bytes differ from src (compare=sha256)'
    assert admin.writes() == []


def test_bad_shard_options_fail_before_any_request(playbook, admin):
    admin.clear_log()
    run = playbook.run([sync_task(photos=[{'user': ALICE, 'src': photo('cat.jpg')}], shard_index=2, shard_count=2)])
    assert run.rc != 0
    assert 'shard_index must be between 0 and shard_count - 1 = 1 (got 2)' in run.result()['msg']
    assert admin.log() == []
