# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_profile_photo_sync driven by a source of record: match_by, scope, missing, default_src.

Real ansible-playbook against the emulator; what was read and written is taken from the emulator's request log
and state. The demo seed holds the users of docs/docsite/rst/hr_sync.rst; a larger seed (module-scoped emulator) holds a
tenant of more than one page of users, a duplicated employeeId and an app without group permissions.
"""

from __future__ import annotations

import math
import shutil

import pytest
import yaml

from conftest import ALICE, ALICE_ID, BOB, PHOTOS, READONLY_APP, PlaybookRunner
from graph_emulator.process import EmulatorProcess

MODULE = 'graphops.msgraph.graph_profile_photo_sync'
BOB_ID = '2d8f4b1a-5c3e-4f97-8b26-4a9d3e8c7f12'
CAROL_ID = '3e9a5c2b-6d4f-4a08-9c37-5b1e4f9d8a23'
DAVE = 'dave@contoso.com'
ERIN = 'erin.obrien@contoso.com'
FRANK = 'frank_fabrikam.com#EXT#@contoso.com'
GRACE = 'grace_fabrikam.com#EXT#@contoso.com'
ALL_EMPLOYEES = '8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a'


def sync_task(**options) -> dict:
    return {'name': 'sync', MODULE: options, 'register': 'sync_result'}


def label(upn: str) -> str:
    return 'users/' + upn


def photo_directory(tmp_path, names, fixture='cat.jpg', name='photos'):
    directory = tmp_path / name
    directory.mkdir()
    for file_name in names:
        shutil.copy(PHOTOS / fixture, directory / file_name)
    return directory


def by_principal(result: dict) -> dict:
    return {item['principal']: item for item in result['results']}


def directory_reads(admin) -> list:
    """GETs of /users and of group member listings (inner $batch requests included), from the emulator's log."""
    return [entry for entry in admin.log() if entry['method'] == 'GET'
            and (entry['path'].rstrip('/').endswith('/users') or '/members' in entry['path'].lower()
                 or '/transitivemembers' in entry['path'].lower())]


def writes(admin) -> list:
    return sorted((entry['method'], entry['principal']) for entry in admin.writes())


# --- match_by ---------------------------------------------------------------------------------------------------
def test_match_by_employee_id_check_then_real_then_unchanged(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, ['e1001.jpg', 'E1005.JPG'])
    task = sync_task(src_dir=str(directory), match_by='employeeId')
    admin.clear_log()
    check = playbook.run([task], check=True)
    assert check.rc == 0, check.output
    assert writes(admin) == []
    items = by_principal(check.result())
    assert {principal: item['action'] for principal, item in items.items()} == {label(ALICE): 'set', label(ERIN): 'set'}
    assert check.result()['totals'] == {'unchanged': 0, 'set': 2, 'removed': 0, 'failed': 0, 'skipped': 0}
    # Two files: one filter of two values, no advanced query needed.
    assert len(directory_reads(admin)) == 1 == check.result()['stats']['directory_requests']

    real = playbook.run([task])
    assert real.rc == 0, real.output
    assert [item['action'] for item in real.result()['results']] == [item['action'] for item in check.result()['results']]
    assert writes(admin) == [('PUT', 'users/%s' % ALICE_ID), ('PUT', 'users/5b2c7e4d-8f6b-4c2a-8d59-2b3c4d5e6f17')]

    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0 and again.result()['changed'] is False
    assert writes(admin) == []


@pytest.mark.parametrize('match_by, stem, upn', [
    ('mail', 'ALICE@contoso.com', ALICE),
    ('mailNickname', "ERIN.O'BRIEN", ERIN),          # a quote in the value: an OData literal doubles it
    ('id', BOB_ID.upper(), BOB),
    ('onPremisesSamAccountName', 'Carol', 'carol@contoso.com'),  # eq needs the advanced query parameters
    ('userPrincipalName', 'Bob@Contoso.com', 'Bob@Contoso.com'),  # as in 0.1: the file name is the principal
])
def test_match_by_each_property_case_insensitively(playbook, admin, tmp_path, match_by, stem, upn):
    directory = photo_directory(tmp_path, [stem + '.jpg'])
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), match_by=match_by)], check=True)
    assert run.rc == 0, run.output
    assert [item['principal'] for item in run.result()['results']] == [label(upn)]
    assert run.result()['results'][0]['error'] is None
    # Without scope, userPrincipalName files are used as before: no directory read at all.
    assert len(directory_reads(admin)) == (0 if match_by == 'userPrincipalName' else 1)


def test_file_matching_no_user_fails_naming_file_and_value_and_the_others_go_on(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, ['E1001.jpg', 'E9999.jpg'])
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), match_by='employeeId')])
    assert run.rc != 0
    result = run.result()
    failed = [item for item in result['results'] if item['error']]
    assert len(failed) == 1 and 'E9999.jpg' in failed[0]['error'] and '"E9999"' in failed[0]['error']
    assert 'employeeId' in failed[0]['error']
    assert result['totals']['set'] == 1 and result['totals']['failed'] == 1
    assert writes(admin) == [('PUT', 'users/%s' % ALICE_ID)]


# --- scope and missing ---------------------------------------------------------------------------------------------
def test_group_scope_includes_nested_members_skips_outsiders_and_keeps_users_without_file(playbook, admin, tmp_path):
    # Bob is in All employees through the nested group Engineering staff; Frank (a guest) is not in the group.
    directory = photo_directory(tmp_path, ['bob@contoso.com.jpg', 'frank@fabrikam.com.jpg'])
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), match_by='mail', scope={'group': ALL_EMPLOYEES})])
    assert run.rc == 0, run.output
    items = by_principal(run.result())
    assert items[label(BOB)]['action'] == 'set'
    skipped = items[label(FRANK)]
    assert skipped['skipped'] is True and skipped['action'] == 'none' and skipped['changed'] is False
    assert 'not in scope' in skipped['reason']
    assert run.result()['totals'] == {'unchanged': 0, 'set': 1, 'removed': 0, 'failed': 0, 'skipped': 1}
    # missing: keep (the default): nobody else is touched; the skipped file is never written.
    assert writes(admin) == [('PUT', 'users/%s' % BOB_ID)]
    # One listing for the group scope (all in one page), one lookup to tell "outside scope" from "nobody".
    reads = directory_reads(admin)
    assert len(reads) == 2 and sum('transitivemembers' in entry['path'].lower() for entry in reads) == 1


def test_filter_scope_with_missing_absent_removes_departed_users_photos(playbook, admin):
    task = sync_task(scope={'filter': 'accountEnabled eq false'}, missing='absent')
    admin.clear_log()
    check = playbook.run([task], check=True, diff=True)
    assert check.rc == 0, check.output
    assert writes(admin) == []
    assert [(item['principal'], item['action']) for item in check.result()['results']] == [(label(DAVE), 'remove')]
    real = playbook.run([task])
    assert real.rc == 0 and writes(admin) == [('DELETE', 'users/4a1b6d3c-7e5a-4b19-9c48-1a2b3c4d5e06')]
    assert admin.photo_bytes('users/%s' % DAVE) is None
    # Bob (enabled) still has his photo.
    assert admin.photo_bytes('users/%s' % BOB) is not None


def test_group_and_filter_scope_is_the_intersection(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, ['E1001.jpg'])
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), match_by='employeeId', missing='absent',
                                  scope={'group': ALL_EMPLOYEES, 'filter': 'accountEnabled eq true'})], check=True)
    assert run.rc == 0, run.output
    actions = {item['principal']: item['action'] for item in run.result()['results']}
    # Dave is in the group but disabled: out of scope, his photo stays. Bob is in scope without a file: removed.
    assert actions == {label(ALICE): 'set', label(BOB): 'remove', label('carol@contoso.com'): 'none', label(ERIN): 'none'}
    assert len(directory_reads(admin)) == 2  # one listing per scope part, no lookup (the file matched in scope)


def test_missing_default_sets_only_users_without_any_photo(playbook, admin, tmp_path):
    default = tmp_path / 'guest.jpg'
    shutil.copy(PHOTOS / 'cat.jpg', default)
    grace_before = admin.photo_bytes('users/%s' % GRACE)
    task = sync_task(scope={'filter': "userType eq 'Guest'"}, missing='default', default_src=str(default))
    admin.clear_log()
    check = playbook.run([task], check=True)
    assert check.rc == 0, check.output
    assert writes(admin) == []
    items = by_principal(check.result())
    assert items[label(FRANK)]['action'] == 'set' and items[label(GRACE)]['action'] == 'none'
    assert items[label(GRACE)]['photo']['before'] is not None  # the audit shows who has a photo
    real = playbook.run([task])
    assert real.rc == 0, real.output
    assert [(item['principal'], item['action']) for item in real.result()['results']] == \
        [(item['principal'], item['action']) for item in check.result()['results']]
    assert writes(admin) == [('PUT', 'users/6c3d8f5e-9a7c-4d3b-9e6a-3c4d5e6f7a28')]
    # Grace's own photo (which is not the default picture) was never replaced.
    assert admin.photo_bytes('users/%s' % GRACE) == grace_before
    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0 and again.result()['changed'] is False and writes(admin) == []


def test_filter_needing_advanced_query_is_sent_with_it(playbook, admin):
    run = playbook.run([sync_task(scope={'filter': "endswith(mail, '@fabrikam.com')"})], check=True)
    assert run.rc == 0, run.output
    assert run.result()['totals'] == {'unchanged': 0, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert run.result()['stats']['directory_requests'] == 1


def test_case_sensitive_graph_still_matches_files_in_scope(playbook, admin, tmp_path):
    admin.config(filter_string_case='sensitive')
    directory = photo_directory(tmp_path, ['e1002.jpg'])
    run = playbook.run([sync_task(src_dir=str(directory), match_by='employeeId', scope={'group': ALL_EMPLOYEES})], check=True)
    assert run.rc == 0, run.output
    assert [item['principal'] for item in run.result()['results']] == [label(BOB)]


def test_filter_graph_refuses_is_one_sentence_quoting_graph(playbook, admin):
    admin.clear_log()
    run = playbook.run([sync_task(scope={'filter': "shoeSize eq '44'"}, missing='absent')])
    assert run.rc != 0
    msg = run.result()['msg']
    assert msg.startswith('Graph refused the filter "shoeSize eq \'44\'"')
    assert "Unsupported or invalid query filter clause specified for property 'shoeSize'" in msg
    assert 'Traceback' not in run.output and writes(admin) == []


def test_missing_user_read_permission_names_it(playbook, admin, tmp_path):
    directory = photo_directory(tmp_path, ['E1001.jpg'])
    admin.clear_log()
    run = playbook.run([sync_task(src_dir=str(directory), match_by='employeeId')],
                       env={'AZURE_CLIENT_ID': READONLY_APP[0], 'AZURE_CLIENT_SECRET': READONLY_APP[1]})
    assert run.rc != 0
    assert 'User.Read.All' in run.result()['msg'] and 'HTTP 403' in run.result()['msg']
    assert writes(admin) == []


@pytest.mark.parametrize('options, message', [
    ({'scope': {'filter': 'accountEnabled eq false'}, 'missing': 'default'}, 'missing: default needs default_src'),
    ({'match_by': 'employeeId', 'scope': {'filter': 'accountEnabled eq false'}}, 'add src_dir or remove match_by'),
    ({'src_dir': '.', 'missing': 'absent'}, 'add scope'),
    ({'scope': {}}, 'scope needs group'),
    ({'scope': {'group': 'All employees'}}, 'scope.group must be the object id'),
])
def test_bad_option_combinations_fail_before_any_request(playbook, admin, options, message):
    admin.clear_log()
    run = playbook.run([sync_task(**options)])
    assert run.rc != 0 and message in run.result()['msg'], run.output
    assert admin.log() == []


# --- a tenant of more than one page ----------------------------------------------------------------------------------
USERS = 1100
EVERYONE = '0a0b0c0d-0000-4000-8000-000000000001'
NESTED = '0a0b0c0d-0000-4000-8000-000000000002'
USERS_ONLY_APP = ('0a0b0c0d-0000-4000-8000-0000000000aa', 'users-only-secret')


def large_seed(path):
    users = [{'id': '00000000-0000-4000-8000-%012d' % n, 'userPrincipalName': 'user%05d@contoso.com' % n,
              'employeeId': 'P%05d' % n, 'mailbox': True} for n in range(USERS)]
    users[-1]['employeeId'] = users[-2]['employeeId'] = 'DUP1'
    main_app = {'client_id': '0a0b0c0d-0000-4000-8000-0000000000ff', 'display_name': 'main', 'secrets': ['main-secret'],
                'roles': ['ProfilePhoto.ReadWrite.All', 'User.Read.All', 'GroupMember.Read.All']}
    users_only = {'client_id': USERS_ONLY_APP[0], 'display_name': 'users-only', 'secrets': [USERS_ONLY_APP[1]],
                  'roles': ['ProfilePhoto.ReadWrite.All', 'User.Read.All']}
    seed = {'tenants': [{
        'id': '0a0b0c0d-0000-4000-8000-0000000000ee', 'domain': 'contoso.com', 'apps': [main_app, users_only], 'users': users,
        'groups': [{'id': EVERYONE, 'displayName': 'Everyone', 'members': [u['id'] for u in users[:1000]] + [NESTED]},
                   {'id': NESTED, 'displayName': 'Nested', 'members': [u['id'] for u in users[1000:]]}]}]}
    path.write_text(yaml.safe_dump(seed))
    return path


@pytest.fixture(scope='module')
def large_tenant(tmp_path_factory):
    directory = tmp_path_factory.mktemp('large-tenant')
    with EmulatorProcess(seed=str(large_seed(directory / 'seed.yml')), state_dir=str(directory / 'state')) as emulator:
        yield emulator


@pytest.fixture
def large(large_tenant, tmp_path):
    large_tenant.admin.reset()
    return PlaybookRunner(large_tenant, tmp_path), large_tenant.admin


def test_budget_without_scope_is_one_request_per_15_files(large, tmp_path):
    runner, admin = large
    files = ['P%05d.jpg' % n for n in range(0, 800, 20)]  # 40 files
    directory = photo_directory(tmp_path, files)
    admin.clear_log()
    run = runner.run([sync_task(src_dir=str(directory), match_by='employeeId')], check=True)
    assert run.rc == 0, run.output
    assert run.result()['totals']['set'] == 40
    assert len(directory_reads(admin)) == math.ceil(40 / 15) == run.result()['stats']['directory_requests']


def test_group_scope_pages_through_more_than_999_members(large, tmp_path):
    runner, admin = large
    # One file of a user reached only through the nested group, on the second page.
    directory = photo_directory(tmp_path, ['p01050.jpg', 'P00003.jpg'])
    admin.clear_log()
    run = runner.run([sync_task(src_dir=str(directory), match_by='employeeId', scope={'group': EVERYONE}, missing='absent')],
                     check=True)
    assert run.rc == 0, run.output
    result = run.result()
    assert result['totals']['set'] == 2
    # Every other user in scope has no photo: nothing to remove, each reported unchanged (an audit of who has none).
    assert result['totals']['unchanged'] == USERS - 2
    reads = directory_reads(admin)
    # One listing of ceil(1100 / 999) = 2 pages; both files matched in scope, so no lookup.
    assert len(reads) == 2 and all('transitivemembers' in entry['path'].lower() for entry in reads)


def test_ambiguous_value_fails_and_writes_nothing_for_it(large, tmp_path):
    runner, admin = large
    directory = photo_directory(tmp_path, ['dup1.jpg'])
    admin.clear_log()
    run = runner.run([sync_task(src_dir=str(directory), match_by='employeeId')])
    assert run.rc != 0
    error = run.result()['results'][0]['error']
    assert 'dup1.jpg' in error and '2 users have employeeId "dup1"' in error
    assert 'user01098@contoso.com' in error and 'user01099@contoso.com' in error
    assert admin.writes() == []


def test_missing_group_member_permission_names_it(large, tmp_path):
    runner, admin = large
    admin.clear_log()
    run = runner.run([sync_task(scope={'group': EVERYONE}, missing='absent')],
                     env={'AZURE_CLIENT_ID': USERS_ONLY_APP[0], 'AZURE_CLIENT_SECRET': USERS_ONLY_APP[1]})
    assert run.rc != 0
    assert 'GroupMember.Read.All' in run.result()['msg'] and 'HTTP 403' in run.result()['msg']
    assert admin.writes() == []
