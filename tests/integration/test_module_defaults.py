# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`module_defaults: group/graphops.msgraph.graph` gives every module of the collection its auth and connection.

The play sets tenant, client, secret, endpoint, authority and CA only there: no AZURE_* or other auth variable is in
the environment and no task names a credential. Every module of the action group in meta/runtime.yml must have a
task here, so a module added to the collection without joining the group (or this test) fails it.
"""

from __future__ import annotations

import yaml

from conftest import ALICE, BOB, MARKETING, PHOTOS, REPO

# One task per module of the action group, and how to tell from the side that it really worked.
TASKS = {
    'graph_profile_photo': {'user': ALICE, 'src': str(PHOTOS / 'astronaut.jpg')},
    'graph_profile_photo_info': {'user': ALICE},
    'graph_profile_photo_sync': {'photos': [{'group': MARKETING, 'src': str(PHOTOS / 'coffee.jpg')}]},
    'graph_profile_photo_export': {'dest_dir': '{{ playbook_dir }}/exported-photos', 'scope': {'filter': "userPrincipalName eq '%s'" % ALICE}},
    'graph_photo_update_settings': {'source': 'cloud'},
    'graph_profile_photo_probe': {'user': BOB},
}


def action_group() -> list:
    return sorted(yaml.safe_load((REPO / 'meta' / 'runtime.yml').read_text())['action_groups']['graph'])


def tasks() -> list:
    return [{'name': module, 'graphops.msgraph.%s' % module: options} for module, options in TASKS.items()]


def credentials(emulator) -> dict:
    return {'tenant_id': emulator.tenant_id, 'client_id': emulator.client_id, 'client_secret': emulator.client_secret}


def test_every_module_of_the_group_is_covered():
    assert sorted(TASKS) == action_group()


def test_every_module_authenticates_from_module_defaults_alone(playbook, emulator, admin):
    admin.put_photo('groups/%s' % MARKETING, (PHOTOS / 'cat.jpg').read_bytes())
    group_before = admin.photo_facts('groups/%s' % MARKETING)
    assert admin.photo_facts('users/%s' % ALICE) is None
    admin.clear_log()
    run = playbook.run(tasks(), use_default_auth=False, module_defaults=credentials(emulator))
    assert run.rc == 0, run.output
    by_task = {entry['task']: entry for entry in run.results}
    assert sorted(by_task) == action_group()
    assert all(entry['status'] == 'ok' for entry in by_task.values()), run.output

    assert by_task['graph_profile_photo']['result']['changed'] is True
    assert by_task['graph_profile_photo_info']['result']['exists'] is True
    assert by_task['graph_profile_photo_info']['result']['changed'] is False
    assert by_task['graph_profile_photo_sync']['result']['totals'] == {'unchanged': 0, 'set': 1, 'removed': 0, 'failed': 0, 'skipped': 0}
    assert by_task['graph_photo_update_settings']['result']['changed'] is True
    # Alice's photo, which the first task set.
    assert by_task['graph_profile_photo_export']['result']['totals']['exported'] == 1
    assert admin.photo_update_settings()['source'] == 'cloud'
    assert by_task['graph_profile_photo_probe']['result']['restored'] is True
    assert by_task['graph_profile_photo_probe']['result']['facts']['reencoded'] is True
    # From the side: both photos were written.
    assert admin.photo_facts('users/%s' % ALICE) is not None
    assert admin.photo_facts('groups/%s' % MARKETING)['sha256'] != group_before['sha256']
    assert admin.writes()


def test_without_the_credentials_in_module_defaults_every_module_fails_and_writes_nothing(playbook, emulator, admin):
    """The control: the same play, endpoint and CA still in module_defaults, but no tenant, client or secret."""
    admin.clear_log()
    failing = [dict(task, ignore_errors=True) for task in tasks()]
    run = playbook.run(failing, use_default_auth=False)
    by_task = {entry['task']: entry for entry in run.results}
    assert sorted(by_task) == action_group(), run.output
    for module, entry in by_task.items():
        assert entry['status'] == 'failed', (module, entry)
        assert emulator.client_secret not in str(entry['result'])
    assert admin.writes() == []
