# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""graph_photo_update_settings through real ansible-playbook against the emulator; writes are seen in its log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ALICE, AUTH_ENV_NAMES, BOB, COLLECTIONS, READONLY_APP, REPO, ensure_collection_link

MODULE = 'graphops.msgraph.graph_photo_update_settings'
PATH = '/admin/people/photoUpdateSettings'
PEOPLE_ADMINISTRATOR = '024906de-61e5-49c8-8572-40335f1e0e10'
USER_ADMINISTRATOR = 'fe930be7-5e62-47db-91af-98c3a49a38b1'
NOROLES_APP = ('5c1b8e2f-4d73-4a96-8e1b-9f3c7a2d6b48', 'demo-noroles-secret')


def task(**options) -> dict:
    return {'name': 'photo update settings', MODULE: options}


def app_env(app) -> dict:
    return {'AZURE_CLIENT_ID': app[0], 'AZURE_CLIENT_SECRET': app[1]}


def settings_requests(admin) -> list:
    """(method, version) of every settings request the emulator received, in order."""
    return [(entry['method'], entry['path'].split('/')[1]) for entry in admin.log() if entry['path'].endswith(PATH)]


def stored(admin) -> tuple:
    settings = admin.photo_update_settings()
    return settings['source'], sorted(settings['allowedRoles'])


@pytest.mark.parametrize('patch_status', [204, 200])
def test_set_then_unchanged_without_a_write(playbook, admin, patch_status):
    admin.config(photo_settings_patch_status=patch_status)
    admin.clear_log()
    run = playbook.run([task(source='cloud', allowed_roles=[PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR])])
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    assert result['settings']['source'] == 'cloud'
    assert sorted(result['settings']['allowed_roles']) == sorted([PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR])
    assert stored(admin) == ('cloud', sorted([PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR]))
    # One PATCH; after a 204 the module reads the settings back, after a 200 it uses the answer.
    expected = [('GET', 'beta'), ('PATCH', 'beta')] + ([('GET', 'beta')] if patch_status == 204 else [])
    assert settings_requests(admin) == expected

    admin.clear_log()
    again = playbook.run([task(source='cloud', allowed_roles=[PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR])])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False
    assert admin.writes() == []
    assert settings_requests(admin) == [('GET', 'beta')]


def test_roles_in_another_order_or_case_are_unchanged(playbook, admin):
    admin.set_photo_update_settings(source='cloud', allowedRoles=[PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR])
    admin.clear_log()
    run = playbook.run([task(allowed_roles=[USER_ADMINISTRATOR.upper(), PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR])])
    assert run.rc == 0, run.output
    assert run.result()['changed'] is False
    assert admin.writes() == []


def test_only_the_given_properties_are_compared_and_patched(playbook, admin):
    admin.set_photo_update_settings(source='onPremises', allowedRoles=[USER_ADMINISTRATOR])
    run = playbook.run([task(allowed_roles=[PEOPLE_ADMINISTRATOR])])
    assert run.rc == 0, run.output
    assert run.result()['settings'] == {'source': 'onPremises', 'allowed_roles': [PEOPLE_ADMINISTRATOR]}
    assert stored(admin) == ('onPremises', [PEOPLE_ADMINISTRATOR])

    run = playbook.run([task(source='cloud')])
    assert run.result()['changed'] is True
    assert stored(admin) == ('cloud', [PEOPLE_ADMINISTRATOR])

    # An empty list is a declaration too: no role listed.
    run = playbook.run([task(allowed_roles=[])])
    assert run.result()['changed'] is True
    assert stored(admin) == ('cloud', [])


def test_check_mode_reports_the_change_and_writes_nothing(playbook, admin):
    admin.clear_log()
    run = playbook.run([task(source='onPremises', allowed_roles=[PEOPLE_ADMINISTRATOR])], check=True, diff=True)
    assert run.rc == 0, run.output
    result = run.result()
    assert result['changed'] is True
    assert result['settings'] == {'source': 'onPremises', 'allowed_roles': [PEOPLE_ADMINISTRATOR]}
    assert admin.writes() == []
    assert settings_requests(admin) == [('GET', 'beta')]
    assert stored(admin) == (None, [])


def test_check_mode_needs_only_the_read_permission(playbook, admin):
    run = playbook.run([task(source='cloud')], check=True, env=app_env(READONLY_APP))
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True


def test_diff_shows_before_and_after(playbook, admin):
    admin.set_photo_update_settings(source='onPremises', allowedRoles=[])
    run = playbook.run([task(source='cloud', allowed_roles=[PEOPLE_ADMINISTRATOR])], diff=True)
    assert run.rc == 0, run.output
    diff = run.result()['diff']
    assert diff['before'] == {'source': 'onPremises', 'allowed_roles': []}
    assert diff['after'] == {'source': 'cloud', 'allowed_roles': [PEOPLE_ADMINISTRATOR]}
    # What ansible-playbook prints for a person.
    assert 'onPremises' in run.stdout and PEOPLE_ADMINISTRATOR in run.stdout
    assert 'photo update settings (current)' in run.stdout


def test_api_version_v1_0_still_calls_beta(playbook, admin):
    admin.clear_log()
    run = playbook.run([task(source='cloud')], module_defaults={'api_version': 'v1.0'})
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert {request[1] for request in settings_requests(admin)} == {'beta'}
    assert stored(admin)[0] == 'cloud'


@pytest.mark.parametrize('app, method', [(READONLY_APP, 'PATCH'), (NOROLES_APP, 'GET')], ids=['readonly', 'noroles'])
def test_403_names_the_permission(playbook, admin, emulator, app, method):
    admin.clear_log()
    run = playbook.run([task(source='cloud')], env=app_env(app))
    assert run.rc != 0
    message = run.result()['msg']
    assert 'HTTP 403 Authorization_RequestDenied' in message
    assert 'PeopleSettings.ReadWrite.All' in message
    assert 'People Administrator' not in message  # an app-only token: the role is not the problem
    assert 'Traceback' not in run.output and app[1] not in run.output
    assert settings_requests(admin)[-1] == (method, 'beta')
    assert stored(admin) == (None, [])


def test_403_with_a_delegated_token_names_the_people_administrator_role(playbook, admin):
    token = admin.delegated_token(BOB, ['PeopleSettings.ReadWrite.All'])
    run = playbook.run([task(source='cloud', access_token=token)], use_default_auth=False)
    assert run.rc != 0
    message = run.result()['msg']
    assert 'PeopleSettings.ReadWrite.All' in message and 'People Administrator role' in message
    assert token not in run.output

    # The control: Alice holds the People Administrator role.
    token = admin.delegated_token(ALICE, ['PeopleSettings.ReadWrite.All'])
    run = playbook.run([task(source='cloud', access_token=token)], use_default_auth=False)
    assert run.rc == 0, run.output
    assert stored(admin)[0] == 'cloud'


@pytest.mark.parametrize('options, expected', [
    ({'allowed_roles': ['People Administrator']},
     "'People Administrator' is not one. The template id of People Administrator is 024906de-61e5-49c8-8572-40335f1e0e10."),
    ({'allowed_roles': [PEOPLE_ADMINISTRATOR, '024906de-61e5-49c8-8572']}, "'024906de-61e5-49c8-8572' is not one"),
    ({'source': 'onpremises'}, 'value of source must be one of: cloud, onPremises, got: onpremises'),
    ({}, 'one of the following is required: source, allowed_roles'),
], ids=['role-name', 'short-guid', 'source-case', 'nothing-declared'])
def test_bad_input_fails_before_any_request(playbook, admin, options, expected):
    admin.clear_log()
    run = playbook.run([task(**options)])
    assert run.rc != 0
    assert expected in run.result()['msg'], run.result()['msg']
    assert 'Traceback' not in run.output
    assert admin.log() == []


def test_graphs_400_is_quoted(playbook, admin):
    """A 400 the module cannot foresee (here scripted into the emulator) is quoted with its code, message and request id."""
    admin.script_faults([{'status': 400}])
    run = playbook.run([task(source='cloud')])
    assert run.rc != 0
    message = run.result()['msg']
    assert message.startswith("Could not read the tenant's photo update settings: HTTP 400 UnknownError (An injected error), request-id "), message
    assert stored(admin) == (None, [])


def test_the_example_playbook_sets_the_settings_then_changes_nothing(emulator, admin, tmp_path):
    ensure_collection_link()
    env = {key: value for key, value in os.environ.items() if key not in AUTH_ENV_NAMES}
    env.update(emulator.client_environment())
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1', ANSIBLE_HOME=str(tmp_path / 'ansible-home'),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(REPO / 'examples' / 'photo_update_settings.yml')]
    recaps = []
    for run in ('first', 'second'):
        completed = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, (run, completed.stdout + completed.stderr)
        recaps.append(re.findall(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0', completed.stdout))
    assert recaps == [[('2', '1')], [('2', '0')]], recaps
    assert stored(admin) == ('cloud', sorted([PEOPLE_ADMINISTRATOR, USER_ADMINISTRATOR]))


def test_a_graph_that_follows_the_published_metadata_refuses_source_with_a_clear_message(playbook, admin):
    """The documentation page of photoUpdateSettings lists source; the beta metadata Microsoft publishes does not
    (tests/fixtures/graph-metadata/facts.json, beta photoUpdateSettings). Under the emulator's switch for the metadata's
    form, a task declaring source fails naming the property and the disagreement; allowed_roles alone still works."""
    admin.config(photo_settings_source_property='metadata')
    run = playbook.run([task(source='cloud', allowed_roles=[PEOPLE_ADMINISTRATOR])])
    assert run.rc != 0
    message = run.result()['msg']
    assert 'HTTP 400 BadRequest' in message and "'source' does not exist" in message
    assert 'documentation page for photoUpdateSettings lists source, but the beta metadata' in message
    assert 'Remove source from the task' in message
    assert 'Traceback' not in run.output
    assert admin.photo_update_settings()['allowedRoles'] == []  # the refused PATCH changed nothing

    roles_only = playbook.run([task(allowed_roles=[PEOPLE_ADMINISTRATOR])])
    assert roles_only.rc == 0, roles_only.output
    assert roles_only.result()['settings'] == {'source': None, 'allowed_roles': [PEOPLE_ADMINISTRATOR]}
