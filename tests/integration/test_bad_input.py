# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through real ansible-playbook: one clear message, no traceback, and no write request sent.

The table is also the source of docs/docsite/rst/troubleshooting.rst ("message -> cause -> fix").
"""

from __future__ import annotations

import socket

import pytest

from conftest import ALICE, CONTACT, MARKETING, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo'
NOROLES_APP = {'AZURE_CLIENT_ID': '5c1b8e2f-4d73-4a96-8e1b-9f3c7a2d6b48', 'AZURE_CLIENT_SECRET': 'demo-noroles-secret'}
GOOD_SRC = str(PHOTOS / 'cat.jpg')


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def make_files(tmp_path):
    """Local files for the src cases."""
    (tmp_path / 'empty.jpg').write_bytes(b'')
    (tmp_path / 'notes.jpg').write_text('this is not a photo\n')
    big = bytearray((PHOTOS / 'cat.jpg').read_bytes())
    big.extend(b'\0' * (4 * 1024 * 1024 + 1 - len(big)))
    (tmp_path / 'huge.jpg').write_bytes(bytes(big))
    (tmp_path / 'truncated.jpg').write_bytes((PHOTOS / 'cat.jpg').read_bytes()[:2000])
    (tmp_path / 'a-directory.jpg').mkdir()


# (id, module options ({tmp} is replaced by the test's tmp_path), env overrides, expected text in msg)
BAD_INPUTS = [
    ('src-missing', {'user': ALICE, 'src': '{tmp}/nope.jpg'}, {}, 'does not exist; check the src path'),
    ('src-directory', {'user': ALICE, 'src': '{tmp}/a-directory.jpg'}, {}, 'is a directory; set src to an image file'),
    ('src-empty', {'user': ALICE, 'src': '{tmp}/empty.jpg'}, {}, 'is empty (0 bytes)'),
    ('src-not-an-image', {'user': ALICE, 'src': '{tmp}/notes.jpg'}, {}, 'is not a JPEG, PNG, GIF or BMP image'),
    ('src-over-4mb', {'user': ALICE, 'src': '{tmp}/huge.jpg', 'prepare': 'never'}, {}, 'over the 4 MB limit of Graph'),
    ('crop-without-prepare', {'user': ALICE, 'src': GOOD_SRC, 'prepare': 'never', 'crop': 'square'}, {},
     'crop: square needs a prepared photo; set prepare to auto or always'),
    ('src-truncated', {'user': ALICE, 'src': '{tmp}/truncated.jpg'}, {}, 'cannot be decoded as image/jpeg'),
    ('present-without-src', {'user': ALICE}, {}, 'state is present but all of the following are missing: src'),
    ('two-targets', {'user': ALICE, 'group': MARKETING, 'src': GOOD_SRC}, {}, 'Name exactly one principal'),
    ('contact-without-user', {'contact': CONTACT, 'src': GOOD_SRC}, {}, 'contact needs user'),
    ('folder-without-contact', {'user': ALICE, 'contact_folder': 'f1', 'src': GOOD_SRC}, {}, 'contact_folder is only meaningful with contact'),
    ('contact-absent', {'user': ALICE, 'contact': CONTACT, 'state': 'absent'}, {}, 'Graph cannot delete the photo of'),
    ('unknown-principal', {'user': 'nobody@contoso.com', 'src': GOOD_SRC}, {}, 'users/nobody@contoso.com was not found'),
    ('wrong-secret', {'user': ALICE, 'src': GOOD_SRC}, {'AZURE_CLIENT_SECRET': 'not-the-secret'},
     'AADSTS7000215: Invalid client secret provided'),
    ('unknown-client', {'user': ALICE, 'src': GOOD_SRC}, {'AZURE_CLIENT_ID': '00000000-0000-0000-0000-00000000beef'},
     'no app with this client_id exists in the tenant'),
    ('unknown-tenant', {'user': ALICE, 'src': GOOD_SRC}, {'AZURE_TENANT_ID': 'fabrikam.example'}, 'does not know this tenant: check tenant_id'),
    ('missing-permission', {'user': ALICE, 'src': GOOD_SRC}, NOROLES_APP,
     'HTTP 403 Authorization_RequestDenied'),
    ('unknown-cloud', {'user': ALICE, 'src': GOOD_SRC, 'cloud': 'mars'}, {}, 'value of cloud must be one of'),
    ('unknown-cloud-environment', {'user': ALICE, 'src': GOOD_SRC}, {'AZURE_CLOUD_ENVIRONMENT': 'AzureMars'},
     'AZURE_CLOUD_ENVIRONMENT is "AzureMars", which names no cloud these modules know'),
    ('me-with-app-only-token', {'user': 'me', 'src': GOOD_SRC}, {}, 'user: me needs a delegated token'),
    ('two-credentials', {'user': ALICE, 'src': GOOD_SRC, 'access_token': 'x' * 40}, {}, 'found credentials for more than one method'),
    ('no-credentials', {'user': ALICE, 'src': GOOD_SRC}, {'AZURE_CLIENT_SECRET': ''}, 'auth_method auto found no credentials'),
    ('endpoint-without-scheme', {'user': ALICE, 'src': GOOD_SRC, 'graph_endpoint': '127.0.0.1:8443'}, {},
     'graph_endpoint must be a URL with its scheme'),
    ('negative-timeout', {'user': ALICE, 'src': GOOD_SRC, 'timeout': -1}, {}, 'timeout must be a positive number'),
    ('closed-port', {'user': ALICE, 'src': GOOD_SRC, 'graph_endpoint': 'https://127.0.0.1:{port}', 'authority_host': 'https://127.0.0.1:{port}',
                     'retries': 1}, {}, 'Could not connect to 127.0.0.1:{port}'),
    ('untrusted-tls', {'user': ALICE, 'src': GOOD_SRC, 'ca_path': '/etc/ssl/certs/ca-certificates.crt'}, {},
     'the server certificate is not trusted. Set ca_path'),
]


@pytest.mark.parametrize('case_id, options, env, expected', BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_fails_clearly_and_writes_nothing(playbook, admin, emulator, tmp_path, case_id, options, env, expected):
    make_files(tmp_path)
    port = closed_port()
    options = {key: value.format(tmp=tmp_path, port=port) if isinstance(value, str) else value for key, value in options.items()}
    expected = expected.format(port=port)
    admin.clear_log()

    run = playbook.run([{'name': 'bad input', MODULE: options}], env=env)

    assert run.rc != 0, run.output
    assert run.results[-1]['status'] == 'failed'
    message = run.result()['msg']
    assert expected in message
    assert 'Traceback' not in run.output
    assert admin.writes() == [], 'a write request was sent'
    assert emulator.client_secret not in run.output


@pytest.fixture
def silent_endpoint():
    """A loopback TCP server that accepts connections and never answers."""
    import threading

    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    server.close()


def test_a_silent_endpoint_fails_within_timeout_times_attempts_naming_the_host(playbook, silent_endpoint):
    import time

    endpoint = 'https://127.0.0.1:%d' % silent_endpoint
    options = {'user': ALICE, 'state': 'absent', 'graph_endpoint': endpoint, 'authority_host': endpoint, 'timeout': 1, 'retries': 1}
    started = time.monotonic()
    run = playbook.run([{'name': 'silent', MODULE: options}])
    elapsed = time.monotonic() - started
    assert run.rc != 0
    assert 'No answer from 127.0.0.1:%d within the timeout' % silent_endpoint in run.result()['msg']
    # Two attempts of one second, a short backoff and ansible-playbook's own start: far from a hang.
    assert elapsed < 60, elapsed


def test_a_token_for_another_resource_is_explained(playbook, admin, emulator):
    import requests

    response = requests.post('%s/%s/oauth2/v2.0/token' % (emulator.url, emulator.tenant_id), verify=str(emulator.ca_path), timeout=10, data={
        'grant_type': 'client_credentials', 'client_id': emulator.client_id, 'client_secret': emulator.client_secret,
        'scope': 'https://management.azure.com/.default'})
    token = response.json()['access_token']
    admin.clear_log()
    run = playbook.run([{'name': 'wrong audience', MODULE: {'user': ALICE, 'src': GOOD_SRC, 'access_token': token}}], use_default_auth=False)
    assert run.rc != 0
    assert 'HTTP 401 InvalidAuthenticationToken' in run.result()['msg']
    assert 'issued for another resource than this Graph endpoint' in run.result()['msg']
    assert token not in run.output
    assert admin.writes() == []


def test_validate_certs_false_works_and_warns(playbook, admin):
    run = playbook.run([{'name': 'no tls check', MODULE: {'user': ALICE, 'src': GOOD_SRC, 'validate_certs': False}}],
                       module_defaults={'ca_path': None})
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert any('validate_certs is false' in warning for warning in run.result().get('warnings', [])), run.result()
    assert '[WARNING]: validate_certs is false' in run.output


def test_a_file_owner_or_group_that_names_nobody_fails_before_any_request(playbook, admin, emulator, tmp_path):
    """Ansible would find out at the first file written (a backup, in the middle of a sync): the module asks first."""
    (tmp_path / 'photos').mkdir()
    (tmp_path / 'photos' / ('%s.jpg' % ALICE)).write_bytes((PHOTOS / 'cat.jpg').read_bytes())
    admin.clear_log()
    run = playbook.run([
        {'name': 'unknown owner', MODULE: {'user': ALICE, 'src': GOOD_SRC, 'backup_dir': str(tmp_path / 'b1'),
                                           'owner': 'graphops-no-such-user'}, 'ignore_errors': True},
        {'name': 'unknown group', 'graphops.msgraph.graph_profile_photo_sync': {
            'src_dir': str(tmp_path / 'photos'), 'backup_dir': str(tmp_path / 'b2'), 'group': 'graphops-no-such-group'},
         'ignore_errors': True},
    ])
    assert [result['status'] for result in run.results] == ['failed', 'failed'], run.output
    assert run.result(0)['msg'] == ('owner: graphops-no-such-user is not a user on the host that runs the module; give an '
                                    'existing user name or a numeric id.')
    assert run.result(1)['msg'].startswith('group: graphops-no-such-group is not a group on the host')
    assert 'Traceback' not in run.output
    assert admin.log() == [], 'a request was sent to Graph'
    assert admin.issued_token_facts() == [], 'a token was asked for'
    assert not (tmp_path / 'b1').exists() and not (tmp_path / 'b2').exists()
