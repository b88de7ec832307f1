# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The profile_photos role through real ansible-playbook: an audit under --check --diff writes its report and
nothing to Graph; a real run syncs; a failed item fails the role after the report is written."""

from __future__ import annotations

import csv
import os
import re
import shutil
import stat

from conftest import ALICE, BOB, CAROL, PHOTOS

NOBODY = 'nobody@contoso.com'
COMPACT_KEYS = ('principal', 'src', 'state', 'action', 'changed', 'skipped', 'error', 'reason', 'has_photo', 'backup_file',
                'upgrade')


def role_task(**role_vars) -> dict:
    return {'name': 'profile photos', 'ansible.builtin.include_role': {'name': 'graphops.msgraph.profile_photos'},
            'vars': role_vars}


def photo_directory(tmp_path, files: dict):
    directory = tmp_path / 'photos'
    directory.mkdir()
    for name, fixture in files.items():
        shutil.copy(PHOTOS / fixture, directory / name)
    return directory


def read_csv(path):
    with open(path, newline='', encoding='utf-8') as handle:
        return list(csv.DictReader(handle))


def test_check_diff_is_an_audit_with_a_report_and_no_write(playbook, admin, tmp_path):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'astronaut.jpg', '%s.jpg' % BOB: 'cat.jpg',
                                           '%s.jpg' % CAROL: 'rocket.jpg'})
    reports = tmp_path / 'reports'
    html_report = tmp_path / 'html' / 'audit.html'
    admin.clear_log()
    run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_report_dir=str(reports),
                                  profile_photos_report_html=str(html_report))],
                       check=True, diff=True)
    assert run.rc == 0, run.output
    assert admin.writes() == [], 'an audit must not write'
    assert admin.photo_bytes('users/%s' % ALICE) is None

    rows = read_csv(reports / 'profile-photos-audit.csv')
    assert rows == [
        {'principal': 'users/%s' % ALICE, 'state': 'present', 'would_change': 'yes', 'reason': 'no photo yet', 'has_photo': 'no'},
        {'principal': 'users/%s' % BOB, 'state': 'present', 'would_change': 'no', 'reason': 'the photo already shows src',
         'has_photo': 'yes'},
        {'principal': 'users/%s' % CAROL, 'state': 'present', 'would_change': 'yes', 'reason': 'no photo yet', 'has_photo': 'no'},
    ]
    markdown = (reports / 'profile-photos-audit.md').read_text()
    assert markdown.startswith('# Profile photos audit (check mode: nothing was changed)')
    assert '| users/%s | present | no | the photo already shows src | yes |' % BOB in markdown
    assert 'Totals: 2 to set, 0 to remove, 1 unchanged, 0 failed' in markdown
    # The summary, and one diff per principal that would change.
    assert 'Audit (check mode, nothing changed) of %s' % directory in run.stdout
    assert '+++ after: users/%s (photo from %s/%s.jpg)' % (ALICE, directory, ALICE) in run.stdout
    assert '+++ after: users/%s (photo' % BOB not in run.stdout
    # The HTML report, passed through to the sync module, in a directory the role created, in check mode too.
    page = html_report.read_text(encoding='utf-8')
    assert '<h1>Profile photos audit (check mode: nothing was changed)</h1>' in page
    assert re.findall(r'<tr class="v-(\w+)"><th scope="row">([^<]+)</th>', page) == [
        ('set', 'users/%s' % ALICE), ('unchanged', 'users/%s' % BOB), ('set', 'users/%s' % CAROL)]
    assert page.count('<img class="thumb"') == 4, "Bob's photo in Graph and the three files"
    assert 'HTML report: %s (3 rows, ' % html_report in run.stdout
    # They name people and show their photos: the directories the role made, and the files, are its owner's only.
    for path, mode in ((reports, 0o700), (html_report.parent, 0o700), (html_report, 0o600),
                       (reports / 'profile-photos-audit.csv', 0o600), (reports / 'profile-photos-audit.md', 0o600)):
        assert stat.S_IMODE(os.stat(path).st_mode) == mode, path
    # The role asks for compact results: all its reports need, without the facts of every photo.
    sync = [entry['result'] for entry in run.results if 'shard' in entry['result']][0]
    assert [sorted(item) for item in sync['results']] == [sorted(COMPACT_KEYS)] * 3
    assert [item['has_photo'] for item in sync['results']] == [False, True, False]


def test_a_real_run_syncs_then_a_failed_item_fails_the_role_after_the_report(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'astronaut.jpg', '%s.jpg' % NOBODY: 'rocket.jpg'})
    admin.put_photo('users/%s' % ALICE, (PHOTOS / 'cat.jpg').read_bytes())
    alice_before = admin.photo_bytes('users/%s' % ALICE)
    reports = tmp_path / 'reports'
    admin.clear_log()
    run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_report_dir=str(reports),
                                  profile_photos_report_name='sync', profile_photos_backup_dir=str(tmp_path / 'backups'))])
    assert run.rc != 0
    assert admin.photo_bytes('users/%s' % ALICE) not in (None, alice_before), 'the good item is synced although another failed'
    # profile_photos_backup_dir reaches the module: the photo Alice had is kept, and the summary says where.
    sync = [entry['result'] for entry in run.results if 'shard' in entry['result']][0]
    assert open(sync['results'][0]['backup_file'], 'rb').read() == alice_before
    assert 'Backups of the photos replaced or removed: %s (1 files)' % sync['backup']['path'] in run.stdout
    rows = {row['principal']: row for row in read_csv(reports / 'sync.csv')}
    assert rows['users/%s' % ALICE]['changed'] == 'yes'
    assert rows['users/%s' % NOBODY]['changed'] == 'failed'
    assert 'was not found' in rows['users/%s' % NOBODY]['reason']
    assert 'FAILED users/%s' % NOBODY in run.stdout
    assert run.results[-1]['status'] == 'failed'
    assert run.results[-1]['result']['msg'].startswith('1 of 2 items failed')


def test_shards_write_their_own_reports_and_cover_every_file_once(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'astronaut.jpg', '%s.jpg' % BOB: 'cat.jpg',
                                           '%s.jpg' % CAROL: 'rocket.jpg'})
    reports = tmp_path / 'reports'
    for index in range(2):
        run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_report_dir=str(reports),
                                      profile_photos_report_html=str(reports / 'audit.html'),
                                      profile_photos_shard_index=index, profile_photos_shard_count=2)], check=True)
        assert run.rc == 0, run.output
        # Each shard its own HTML report, named like its CSV.
        sync = [entry['result'] for entry in run.results if 'shard' in entry['result']][0]
        assert sync['report']['path'] == str(reports / ('audit-shard-%d-of-2.html' % index))
    principals = [row['principal'] for index in range(2)
                  for row in read_csv(reports / ('profile-photos-audit-shard-%d-of-2.csv' % index))]
    assert sorted(principals) == sorted('users/%s' % upn for upn in (ALICE, BOB, CAROL))
    assert admin.writes() == []


def test_scope_options_pass_through_and_the_audit_lists_every_user_in_scope_with_whether_they_have_a_photo(playbook, admin, tmp_path):
    # HR files named by employeeId; scope: the enabled members of All employees (nested groups included).
    directory = photo_directory(tmp_path, {'E1001.jpg': 'astronaut.jpg', 'E1006.jpg': 'cat.jpg'})
    reports = tmp_path / 'reports'
    admin.clear_log()
    run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_match_by='employeeId',
                                  profile_photos_scope={'group': '8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a', 'filter': 'accountEnabled eq true'},
                                  profile_photos_missing='absent', profile_photos_report_dir=str(reports),
                                  profile_photos_fail_on_error=False)], check=True)
    assert run.rc == 0, run.output
    assert admin.writes() == []
    rows = {row['principal']: row for row in read_csv(reports / 'profile-photos-audit.csv')}
    assert {principal: (row['would_change'], row['has_photo']) for principal, row in rows.items()} == {
        'users/%s' % ALICE: ('yes', 'no'),
        'E1006.jpg': ('failed', ''),                       # no user has employeeId E1006
        'users/%s' % BOB: ('yes', 'yes'),                  # in scope (nested group), no file: missing: absent
        'users/%s' % CAROL: ('no', 'no'),
        'users/erin.obrien@contoso.com': ('no', 'no'),
    }
    assert 'E1006' in rows['E1006.jpg']['reason']


def test_prepare_crop_and_force_reach_the_module(playbook, admin, tmp_path):
    # force false: Bob's existing photo is kept although the file shows another picture; crop square: Alice gets
    # the centred square of a landscape photo, prepared (the role passes prepare, crop and force through).
    directory = photo_directory(tmp_path, {'%s.jpg' % ALICE: 'rocket.jpg', '%s.jpg' % BOB: 'coffee.jpg'})
    bob_before = admin.photo_facts('users/%s' % BOB)
    admin.clear_log()
    run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_crop='square',
                                  profile_photos_prepare='always', profile_photos_force=False)])
    assert run.rc == 0, run.output
    assert [entry['principal'] for entry in admin.writes()] == ['users/%s' % admin.state()['upn_index'][ALICE]]
    alice = admin.photo_facts('users/%s' % ALICE)
    assert alice['width'] == alice['height'] == 427
    assert admin.photo_facts('users/%s' % BOB)['sha256'] == bob_before['sha256']


def test_cache_reaches_the_module_one_file_per_shard_and_the_second_audit_is_served_from_it(playbook, admin, tmp_path):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    directory = photo_directory(tmp_path, {'%s.jpg' % BOB: 'cat.jpg', '%s.jpg' % CAROL: 'rocket.jpg'})
    cache = tmp_path / 'state' / 'photos.json'
    verdicts = {}
    for index in range(2):
        # Twice per shard: the first fills the cache (in a directory the role creates), the second is served from it.
        for attempt in ('fill', 'hit'):
            admin.clear_log()
            # result_detail: full, passed through, gives the per-item cache key (the role's default, compact, has not).
            run = playbook.run([role_task(profile_photos_src_dir=str(directory), profile_photos_cache=str(cache),
                                          profile_photos_shard_index=index, profile_photos_shard_count=2,
                                          profile_photos_result_detail='full')], check=True)
            assert run.rc == 0, run.output
            assert admin.writes() == []
            sync = [entry['result'] for entry in run.results if 'shard' in entry['result']][0]
            assert sync['cache']['path'] == str(tmp_path / 'state' / ('photos-shard-%d-of-2.json' % index))
            verdicts.setdefault(attempt, {}).update((item['principal'], item['cache']) for item in sync['results'])
    # Bob's photo shows his file: a hit the second time. Carol has no photo yet: a check-mode run never records a photo as
    # set, so she is compared again.
    assert verdicts == {'fill': {'users/%s' % BOB: 'miss', 'users/%s' % CAROL: 'miss'},
                        'hit': {'users/%s' % BOB: 'hit', 'users/%s' % CAROL: 'miss'}}
    assert sorted(path.name for path in (tmp_path / 'state').iterdir()) == ['photos-shard-0-of-2.json', 'photos-shard-1-of-2.json']
    assert not cache.exists()
