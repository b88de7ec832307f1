# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throttling, faults and secrets, through real ansible-playbook against the emulator."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from graph_emulator.process import EmulatorProcess
from graph_emulator.seed import DEFAULT_SEED

from conftest import ALICE, BOB, PHOTOS, PlaybookRunner

MODULE = 'graphops.msgraph.graph_profile_photo'
USERS = ['user%02d@contoso.com' % number for number in range(1, 25)]
SRCS = [str(PHOTOS / name) for name in ('astronaut.jpg', 'cat.jpg', 'coffee.jpg', 'rocket.jpg')]
FAULTS = {'rates': {'429': 0.25, '503': 0.10, 'reset': 0.03}, 'retry_after': ['1', '0.128', 'http-date'], 'seed': 20261122}


def declared_state():
    """Every user gets one of four photos; every fourth user is declared without a photo."""
    items = []
    for index, user in enumerate(USERS):
        if index % 4 == 3:
            items.append({'user': user, 'state': 'absent'})
        else:
            items.append({'user': user, 'src': SRCS[index % len(SRCS)]})
    return items


@pytest.fixture(scope='module')
def crowded_emulator(tmp_path_factory):
    """An emulator of its own whose demo tenant has 24 more users with mailboxes."""
    seed = yaml.safe_load(pathlib.Path(DEFAULT_SEED).read_text())
    for number, user in enumerate(USERS, start=1):
        seed['tenants'][0]['users'].append({'id': '00000000-0000-4000-8000-%012d' % number, 'userPrincipalName': user,
                                            'displayName': 'User %02d' % number, 'mailbox': True})
    directory = tmp_path_factory.mktemp('crowded')
    seed_file = directory / 'seed.yml'
    seed_file.write_text(yaml.safe_dump(seed))
    with EmulatorProcess(seed=str(seed_file), state_dir=str(directory / 'state')) as process:
        yield process


@pytest.fixture
def crowded(crowded_emulator, tmp_path):
    admin = crowded_emulator.admin
    admin.reset()
    for index, user in enumerate(USERS):
        if index % 4 == 3 or index % 5 == 0:
            # Some of those declared absent hold a photo, and some declared present hold another one.
            admin.put_photo('users/%s' % user, (PHOTOS / 'camera.jpg').read_bytes())
    return PlaybookRunner(crowded_emulator, tmp_path), admin


def photo_loop_task(**extra):
    return {
        'name': 'photos under faults',
        MODULE: dict({'user': '{{ item.user }}', 'src': '{{ item.src | default(omit) }}', 'state': "{{ item.state | default('present') }}"}, **extra),
        'loop': declared_state(),
        'loop_control': {'label': '{{ item.user }}'},
    }


def assert_declared_state(admin):
    state = admin.state()
    users = {entry['userPrincipalName']: entry for entry in state['users'].values()}
    for item in declared_state():
        photo = users[item['user']]['photo']
        if item.get('state') == 'absent':
            assert photo is None, item
        else:
            assert photo is not None, item


def test_every_principal_reaches_its_declared_state_under_throttling_and_faults(crowded):
    playbook, admin = crowded
    admin.faults(**FAULTS)
    run = playbook.run([photo_loop_task(retries=8)], verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    assert len(run.results) == 1
    assert_declared_state(admin)

    log = admin.log()
    faults = [entry for entry in log if entry.get('fault')]
    # The figures docs/docsite/rst/troubleshooting.rst quotes (pytest -s shows them).
    print('\nfault run: %d principals, %d Graph requests, %d injected faults (%d x 429, %d x 503, %d resets), %d writes' % (
        len(USERS), len(log), len(faults), sum(1 for e in faults if e['status'] == 429), sum(1 for e in faults if e['status'] == 503),
        sum(1 for e in faults if e['status'] is None), sum(1 for e in log if e['write'] and e['status'] in (200, 204))))
    assert any(entry['status'] == 429 for entry in faults)
    assert any(entry['status'] == 503 for entry in faults)
    # Every principal was written exactly once although requests were retried: nothing wrong, nothing twice.
    written = [entry['principal'] for entry in log if entry['write'] and entry['status'] in (200, 204)]
    assert len(written) == len(set(written)) == len(USERS)
    # Retries are visible at -vvv, in the result of the iteration that made them.
    assert 'graph_retries' in run.output and 'Retry-After' in run.output

    admin.clear_faults()
    admin.clear_log()
    again = playbook.run([photo_loop_task()])
    assert again.rc == 0, again.output[-3000:]
    assert 'changed=0' in again.stdout
    assert admin.writes() == []


def test_check_mode_sends_no_write_under_faults(crowded):
    playbook, admin = crowded
    admin.faults(**FAULTS)
    admin.clear_log()
    run = playbook.run([photo_loop_task(retries=8)], check=True)
    assert run.rc == 0, run.output[-3000:]
    assert any(entry.get('fault') for entry in admin.log())
    assert admin.writes() == []


def test_a_fault_that_outlasts_the_retries_names_status_code_and_request_id(playbook, admin):
    admin.script_faults([{'status': 503}, {'status': 503}, {'status': 503}])
    run = playbook.run([{'name': 'photo', MODULE: {'user': ALICE, 'src': SRCS[0], 'retries': 2}}])
    assert run.rc != 0
    msg = run.result()['msg']
    assert 'Could not read the photo of users/%s: HTTP 503' % ALICE in msg
    assert 'request-id' in msg
    assert admin.writes() == []


def test_an_expired_token_given_by_the_user_is_reported_clearly(playbook, admin):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    # A token given with access_token cannot be renewed by the module, so Graph's 401 is explained.
    # (The renewal of a token the module obtained itself: tests/integration/test_token_renewal.py.)
    expired = admin.delegated_token(ALICE, ['User.ReadWrite'], expires_in=1)
    admin.expire_tokens()
    admin.clear_log()
    run = playbook.run([{'name': 'photo', MODULE: {'user': 'me', 'src': SRCS[0], 'access_token': expired}}], use_default_auth=False)
    assert run.rc != 0
    message = run.result()['msg']
    assert 'HTTP 401 InvalidAuthenticationToken (Lifetime validation failed, the token is expired)' in message
    assert 'the access_token has expired or was revoked' in message
    assert 'supply a fresh one (access_token or GRAPH_ACCESS_TOKEN)' in message
    assert expired not in run.output
    # Refused once, not tried again.
    assert [entry['status'] for entry in admin.log()] == [401]


def secrets_of(emulator, admin):
    secrets = {emulator.client_secret}
    for app in emulator.apps.values():
        secrets.update(app.get('secrets') or [])
        if app.get('pfx_password'):
            secrets.add(app['pfx_password'])
    secrets.update(admin.issued_tokens())
    return {secret for secret in secrets if secret}


def test_no_secret_or_token_appears_in_output_or_logs_at_vvvv(playbook, admin, emulator, tmp_path):
    delegated = admin.delegated_token(ALICE, ['User.ReadWrite'])
    denied = {'group': '4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34', 'src': SRCS[1], 'access_token': delegated}
    runs = [
        playbook.run([{'name': 'ok', MODULE: {'user': ALICE, 'src': SRCS[1]}}], verbosity=4, diff=True),
        playbook.run([{'name': 'ok again', MODULE: {'user': ALICE, 'src': SRCS[1]}}], verbosity=4, diff=True, check=True),
        playbook.run([{'name': 'wrong secret', MODULE: {'user': ALICE, 'src': SRCS[1]}}], verbosity=4,
                     env={'AZURE_CLIENT_SECRET': emulator.client_secret + '-wrong'}),
        playbook.run([{'name': 'denied', MODULE: denied}], verbosity=4, use_default_auth=False),
        playbook.run([{'name': 'me', MODULE: {'user': 'me', 'src': SRCS[2], 'access_token': delegated}}], verbosity=4,
                     use_default_auth=False),
    ]
    assert [run.rc == 0 for run in runs] == [True, True, False, False, True]
    secrets = secrets_of(emulator, admin)
    assert delegated in secrets and len(secrets) >= 4
    texts = [run.output for run in runs]
    # Everything the runs left behind (recorded results, Ansible's temp files), except the playbooks: our input.
    texts += [path.read_text(errors='replace') for path in tmp_path.rglob('*') if path.is_file() and path.name != 'playbook.yml']
    texts += [path.read_text(errors='replace') for path in pathlib.Path(emulator.state_dir).glob('*.jsonl')]
    for secret in secrets:
        for text in texts:
            assert secret not in text
    # The emulator's own banner shows the demo secret on purpose; it must never show a token.
    for token in admin.issued_tokens():
        assert token not in emulator.output()
