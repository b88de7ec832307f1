# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every auth method through real ansible-playbook, real MSAL and HTTPS against the emulator.

Each method sets a photo; each credential problem fails with its one sentence, no traceback, no secret in the
output and no write in the emulator's log. Nothing here may leave 127.0.0.1: every run moves MSAL's VM metadata
service address (AZURE_POD_IDENTITY_AUTHORITY_HOST) to a closed loopback port, and managed identity endpoints
are the emulator's.
"""

from __future__ import annotations

import os
import socket

import jinja2
import pytest
import yaml

from conftest import ALICE, BOB, PHOTOS, READONLY_APP, REPO

MODULE = 'graphops.msgraph.graph_profile_photo'

CERT_APP = '7e4d2a9b-1f63-4c58-a7b2-3d9e5f1c8a26'
FEDERATED_APP = '9b6f3c1e-2a84-4d97-b5c3-1e7a9d4f2c63'
SYSTEM_IDENTITY = '2d8a5f1c-6e39-4b74-9c2d-8a1f3e6b5d90'
READONLY_IDENTITY = '6a3c9e2b-5d18-4f47-b8a6-2e9d4c1f7b83'
GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
GITHUB_SUBJECT = 'repo:graphops/msgraph:ref:refs/heads/main'
AKS_ISSUER = 'https://oidc.prod-aks.azure.com/8f2c1e4a-3b6d-4c9e-a1f0-5d7e2b9c4a10/'
AKS_SUBJECT = 'system:serviceaccount:graphops:photo-sync'
PFX_PASSWORD = 'demo-pfx-password'

# Where MSAL and auto look for managed identity endpoints; the test process must not pass its own on.
MANAGED_IDENTITY_ENV = ('IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET',
                        'AZURE_POD_IDENTITY_AUTHORITY_HOST')


def closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    for name in MANAGED_IDENTITY_ENV:
        monkeypatch.delenv(name, raising=False)


class AuthRunner:
    """playbook.run with no credentials from the fixture's defaults, and the metadata service on a closed loopback port."""

    def __init__(self, playbook, emulator, admin):
        self.playbook = playbook
        self.emulator = emulator
        self.admin = admin
        self.imds = 'http://127.0.0.1:%d' % closed_loopback_port()

    def run(self, task_options: dict, *, env: dict | None = None, check: bool = False, target: dict | None = None):
        run_env = {'AZURE_POD_IDENTITY_AUTHORITY_HOST': self.imds}
        run_env.update(env or {})
        task = {'name': 'photo', MODULE: dict(target or {'user': ALICE}, src=str(PHOTOS / 'astronaut.jpg'), **task_options)}
        return self.playbook.run([task], env=run_env, use_default_auth=False, check=check)

    @property
    def certificate(self) -> dict:
        return self.emulator.apps['graphops-cert']['certificates'][0]

    def federated_token(self, issuer=GITHUB_ISSUER, subject=GITHUB_SUBJECT) -> str:
        return self.emulator.admin.federated_token(issuer, subject)

    def app_service_env(self, header=None) -> dict:
        return {'IDENTITY_ENDPOINT': self.emulator.identity_endpoint, 'IDENTITY_HEADER': header or self.emulator.identity_header}


@pytest.fixture
def auth(playbook, emulator, admin) -> AuthRunner:
    return AuthRunner(playbook, emulator, admin)


def assert_set_by(run, admin, identity: str) -> None:
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    writes = admin.writes()
    assert [entry['method'] for entry in writes] == ['PUT']
    assert writes[0]['identity'] == identity
    assert admin.photo_bytes('users/%s' % ALICE) is not None


def assert_fails_cleanly(run, admin, message: str, *secrets: str, refused_writes: bool = False) -> str:
    """The task failed with the sentence, no traceback, nothing secret in the output, and nothing was written."""
    assert run.rc != 0, run.output
    assert run.results[-1]['status'] == 'failed'
    result = run.result()
    assert message in result['msg'], result['msg']
    # fail_json, not a crash: ansible-core 2.19+ records '(traceback unavailable)' for a fail_json without one.
    assert 'Traceback' not in run.output
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'module_stderr' not in result
    for secret in secrets:
        assert secret not in run.output
    if refused_writes:
        assert all(entry['status'] == 403 for entry in admin.writes())
    else:
        assert admin.writes() == []
    return result['msg']


# --- each method sets a photo ------------------------------------------------------------------------------------

def test_client_secret_from_module_options(auth, emulator, admin):
    run = auth.run({'auth_method': 'client_secret', 'tenant_id': emulator.tenant_id, 'client_id': emulator.client_id,
                    'client_secret': emulator.client_secret})
    assert_set_by(run, admin, 'app:%s' % emulator.client_id)
    assert emulator.client_secret not in run.output


def test_awx_azure_credential_env_names_alone_authenticate(auth, emulator, admin):
    """AWX's built-in Microsoft Azure Resource Manager credential injects AZURE_TENANT, AZURE_CLIENT_ID and AZURE_SECRET."""
    run = auth.run({}, env={'AZURE_TENANT': emulator.tenant_id, 'AZURE_CLIENT_ID': emulator.client_id,
                            'AZURE_SECRET': emulator.client_secret, 'AZURE_SUBSCRIPTION_ID': '00000000-0000-0000-0000-000000000000'})
    assert_set_by(run, admin, 'app:%s' % emulator.client_id)


@pytest.mark.parametrize('form', ['pem', 'pfx'])
def test_client_certificate(auth, emulator, admin, form):
    options = {'tenant_id': emulator.tenant_id, 'client_id': CERT_APP}
    if form == 'pem':
        options['client_certificate_path'] = auth.certificate['pem_path']
    else:
        options.update(client_certificate_path=auth.certificate['pfx_path'], client_certificate_password=PFX_PASSWORD)
    run = auth.run(options)
    assert_set_by(run, admin, 'app:%s' % CERT_APP)
    assert PFX_PASSWORD not in run.output


def test_client_certificate_from_environment(auth, emulator, admin):
    run = auth.run({}, env={'AZURE_TENANT_ID': emulator.tenant_id, 'AZURE_CLIENT_ID': CERT_APP,
                            'AZURE_CLIENT_CERTIFICATE_PATH': auth.certificate['pfx_path'],
                            'AZURE_CLIENT_CERTIFICATE_PASSWORD': PFX_PASSWORD})
    assert_set_by(run, admin, 'app:%s' % CERT_APP)
    assert PFX_PASSWORD not in run.output


def test_workload_identity_from_environment(auth, emulator, admin, tmp_path):
    token_file = tmp_path / 'azure-identity-token'
    token_file.write_text(auth.federated_token(AKS_ISSUER, AKS_SUBJECT))
    # What the AKS workload identity webhook injects into a pod.
    run = auth.run({}, env={'AZURE_TENANT_ID': emulator.tenant_id, 'AZURE_CLIENT_ID': FEDERATED_APP,
                            'AZURE_FEDERATED_TOKEN_FILE': str(token_file), 'AZURE_AUTHORITY_HOST': emulator.url + '/'})
    assert_set_by(run, admin, 'app:%s' % FEDERATED_APP)
    assert token_file.read_text() not in run.output


def test_workload_identity_reads_the_token_file_fresh_on_every_run(auth, emulator, admin, tmp_path):
    token_file = tmp_path / 'token'
    options = {'tenant_id': emulator.tenant_id, 'client_id': FEDERATED_APP, 'federated_token_file': str(token_file)}

    token_file.write_text(auth.federated_token())
    first = auth.run(options, check=True)
    assert first.rc == 0, first.output

    # The platform rotates the file in place: a token no federated credential matches is refused ...
    token_file.write_text(auth.federated_token(GITHUB_ISSUER, 'repo:someone/else:ref:refs/heads/main'))
    second = auth.run(options, check=True)
    assert second.rc != 0
    assert 'AADSTS70021' in second.result()['msg']

    # ... and the next good one is used at once.
    token_file.write_text(auth.federated_token(AKS_ISSUER, AKS_SUBJECT))
    third = auth.run(options)
    assert_set_by(third, admin, 'app:%s' % FEDERATED_APP)


def test_managed_identity_app_service_system_assigned_by_auto(auth, emulator, admin):
    run = auth.run({}, env=auth.app_service_env())
    assert_set_by(run, admin, 'mi:%s' % SYSTEM_IDENTITY)


def test_managed_identity_user_assigned_through_client_id(auth, emulator, admin):
    # The user-assigned identity may only read photos: check mode reads and compares, and its token is the one used.
    run = auth.run({'auth_method': 'managed_identity', 'client_id': READONLY_IDENTITY}, env=auth.app_service_env(), check=True)
    assert run.rc == 0, run.output
    assert run.result()['changed'] is True
    assert {entry['identity'] for entry in admin.log()} == {'mi:%s' % READONLY_IDENTITY}


def test_managed_identity_vm_metadata_service(auth, emulator, admin):
    """Azure VM: no endpoint variables, MSAL asks the metadata service (moved to the emulator, on loopback)."""
    run = auth.run({'auth_method': 'managed_identity'}, env={'AZURE_POD_IDENTITY_AUTHORITY_HOST': emulator.url})
    assert_set_by(run, admin, 'mi:%s' % SYSTEM_IDENTITY)


def test_access_token(auth, emulator, admin):
    token = admin.delegated_token(ALICE, ['User.ReadWrite'])
    run = auth.run({'access_token': token}, target={'user': 'me'})
    assert run.rc == 0, run.output
    assert admin.writes()[0]['identity'].startswith('user:')
    assert token not in run.output


def test_one_token_per_module_run_and_no_files_written(auth, emulator, admin, tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    before = len(admin.issued_tokens())
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': CERT_APP, 'client_certificate_path': auth.certificate['pem_path']},
                   env={'HOME': str(home)})
    assert run.rc == 0, run.output
    assert len(admin.log()) >= 2  # read, then write: both with the same token
    assert len(admin.issued_tokens()) == before + 1
    written = [os.path.join(root, name) for root, dirs, files in os.walk(home) if '.ansible' not in root for name in files]
    assert written == [], 'a token cache or key file was written: %s' % written


# --- each credential problem is one sentence with the fix ----------------------------------------------------------

def test_wrong_client_secret(auth, emulator, admin):
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': emulator.client_id, 'client_secret': 'wrong-secret-value'})
    message = assert_fails_cleanly(run, admin, 'AADSTS7000215: Invalid client secret provided', 'wrong-secret-value')
    assert message.endswith('; the client secret is wrong: check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET), '
                            'and use the secret value, not its id.')


def test_unknown_tenant(auth, emulator, admin):
    run = auth.run({'tenant_id': 'no-such-tenant.example', 'client_id': emulator.client_id, 'client_secret': emulator.client_secret})
    assert_fails_cleanly(run, admin, 'The login authority %s/no-such-tenant.example does not know this tenant: check tenant_id '
                                     '(a tenant id or one of its domain names), cloud and authority_host.' % emulator.url,
                         emulator.client_secret)


def test_unknown_client_id(auth, emulator, admin):
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': '00000000-0000-0000-0000-00000000dead', 'client_secret': 'x-secret'})
    assert_fails_cleanly(run, admin, 'no app with this client_id exists in the tenant: check client_id and tenant_id', 'x-secret')


def cert_options(emulator, path, password=None, client_id=CERT_APP):
    options = {'tenant_id': emulator.tenant_id, 'client_id': client_id, 'client_certificate_path': str(path)}
    if password:
        options['client_certificate_password'] = password
    return options


def test_certificate_file_missing(auth, emulator, admin, tmp_path):
    path = tmp_path / 'missing.pem'
    run = auth.run(cert_options(emulator, path))
    assert_fails_cleanly(run, admin, 'client_certificate_path %s does not exist: set it (or AZURE_CLIENT_CERTIFICATE_PATH) to the PEM '
                                     'or PFX file of the certificate registered with the app.' % path)


def test_certificate_file_unreadable(auth, emulator, admin, tmp_path):
    run = auth.run(cert_options(emulator, tmp_path))
    assert_fails_cleanly(run, admin, 'client_certificate_path %s could not be read (' % tmp_path)


def test_certificate_file_not_pem_or_pfx(auth, emulator, admin, tmp_path):
    path = tmp_path / 'notes.txt'
    path.write_text('this is not a certificate\n')
    run = auth.run(cert_options(emulator, path))
    assert_fails_cleanly(run, admin, 'client_certificate_path %s is neither a PEM nor a PFX (PKCS#12) file' % path)


def test_certificate_pem_without_key(auth, emulator, admin):
    crt = auth.certificate['pem_path'][:-len('.pem')] + '.crt'
    run = auth.run(cert_options(emulator, crt))
    assert_fails_cleanly(run, admin, 'client_certificate_path %s holds a certificate but no private key' % crt)


def test_certificate_pem_without_certificate(auth, emulator, admin, tmp_path):
    pem = open(auth.certificate['pem_path'], encoding='ascii').read()  # pylint: disable=consider-using-with
    key_only = tmp_path / 'key-only.pem'
    key_only.write_text(pem[:pem.index('-----BEGIN CERTIFICATE-----')])
    run = auth.run(cert_options(emulator, key_only))
    assert_fails_cleanly(run, admin, 'client_certificate_path %s holds a private key but no certificate' % key_only, 'PRIVATE KEY-----')


def test_certificate_wrong_pfx_password(auth, emulator, admin):
    run = auth.run(cert_options(emulator, auth.certificate['pfx_path'], password='not-the-pfx-password'))
    assert_fails_cleanly(run, admin, 'The password does not open the PFX file %s: check client_certificate_password '
                                     '(or AZURE_CLIENT_CERTIFICATE_PASSWORD).' % auth.certificate['pfx_path'], 'not-the-pfx-password')


def test_certificate_pfx_without_password(auth, emulator, admin):
    run = auth.run(cert_options(emulator, auth.certificate['pfx_path']))
    assert_fails_cleanly(run, admin, 'The PFX file %s is password-protected: set client_certificate_password' % auth.certificate['pfx_path'])


def test_certificate_not_registered_with_the_app(auth, emulator, admin):
    run = auth.run(cert_options(emulator, auth.certificate['pem_path'], client_id=emulator.client_id))
    message = assert_fails_cleanly(run, admin, 'AADSTS700027', 'PRIVATE KEY-----')
    assert 'the certificate is not registered with the app: upload its public part' in message
    assert auth.certificate['sha1_thumbprint'] in message


def test_federated_token_file_missing(auth, emulator, admin, tmp_path):
    path = tmp_path / 'no-token'
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': FEDERATED_APP, 'federated_token_file': str(path)})
    assert_fails_cleanly(run, admin, 'federated_token_file %s does not exist: set it (or AZURE_FEDERATED_TOKEN_FILE)' % path)


def test_federated_token_file_empty(auth, emulator, admin, tmp_path):
    path = tmp_path / 'token'
    path.write_text('')
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': FEDERATED_APP, 'federated_token_file': str(path)})
    assert_fails_cleanly(run, admin, 'federated_token_file %s is empty: the platform has not written a federated token into it' % path)


def test_federated_token_not_matching(auth, emulator, admin, tmp_path):
    path = tmp_path / 'token'
    token = auth.federated_token(GITHUB_ISSUER, 'repo:someone/else:ref:refs/heads/main')
    path.write_text(token)
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': FEDERATED_APP, 'federated_token_file': str(path)})
    message = assert_fails_cleanly(run, admin, 'AADSTS70021: No matching federated identity record found', token)
    assert "Assertion Subject: 'repo:someone/else:ref:refs/heads/main'" in message
    assert 'no federated credential of the app matches the token: add one whose issuer, subject and audience' in message


def test_no_managed_identity_endpoint(auth, emulator, admin):
    """No endpoint variables: MSAL would ask the VM metadata service; here it sits on a closed loopback port."""
    run = auth.run({'auth_method': 'managed_identity'})
    assert_fails_cleanly(run, admin, 'No managed identity endpoint answered at the metadata service %s (AZURE_POD_IDENTITY_AUTHORITY_HOST) '
                                     '(ConnectionError): run the module on an Azure resource that has a managed identity, or choose '
                                     'another auth_method.' % auth.imds)


def test_managed_identity_wrong_identity_header(auth, emulator, admin):
    run = auth.run({}, env=auth.app_service_env(header='not-the-header'))
    assert_fails_cleanly(run, admin, 'IDENTITY_HEADER must be the value the platform set', 'not-the-header')


def test_managed_identity_unknown_user_assigned(auth, emulator, admin):
    run = auth.run({'auth_method': 'managed_identity', 'client_id': '00000000-1111-2222-3333-444444444444'}, env=auth.app_service_env())
    assert_fails_cleanly(run, admin, 'refused a token for the user-assigned managed identity with client_id 00000000-1111-2222-3333-444444444444')


def test_token_for_the_wrong_audience(auth, emulator, admin):
    response = emulator.admin.session.post(emulator.url + '/_emulator/tokens/delegated', timeout=10, json={
        'user': ALICE, 'scopes': ['User.ReadWrite'], 'audience': 'https://management.azure.com'})
    response.raise_for_status()
    token = response.json()['access_token']
    run = auth.run({'access_token': token})
    message = assert_fails_cleanly(run, admin, 'InvalidAuthenticationToken (Access token validation failure. Invalid audience)', token)
    assert 'issued for another resource than this Graph endpoint' in message


def test_auto_with_no_credentials(auth, emulator, admin):
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': emulator.client_id})
    assert_fails_cleanly(run, admin, 'auth_method auto found no credentials: set one of client_secret, client_certificate_path or '
                                     'federated_token_file')
    assert admin.log() == []


def test_auto_with_two_credentials(auth, emulator, admin):
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': CERT_APP, 'client_certificate_path': auth.certificate['pem_path']},
                   env=dict(auth.app_service_env(), AZURE_SECRET='an-awx-secret'))
    assert_fails_cleanly(run, admin, 'auth_method auto found credentials for more than one method (client_secret from client_secret, '
                                     'client_certificate from client_certificate_path, managed_identity from IDENTITY_ENDPOINT in the '
                                     'environment); set auth_method to the one to use.', 'an-awx-secret')


def test_readonly_app_gets_a_permission_message_not_an_auth_one(auth, emulator, admin):
    run = auth.run({'tenant_id': emulator.tenant_id, 'client_id': READONLY_APP[0], 'client_secret': READONLY_APP[1]}, target={'user': BOB})
    assert_fails_cleanly(run, admin, 'needs the Graph permission', READONLY_APP[1], refused_writes=True)


# --- AWX: the custom credential types under extensions/awx, injected the way AWX injects them ---------------------

def awx_inject(credential_type: str, inputs: dict, private_data_dir) -> dict:
    """Render a credential type's injectors as AWX does: file templates into private files, then env templates."""
    definition = yaml.safe_load((REPO / 'extensions' / 'awx' / credential_type).read_text())
    namespace = {field['id']: field.get('default', '') for field in definition['inputs']['fields']}
    namespace.update(inputs)
    filenames = {}
    for name, template in (definition['injectors'].get('file') or {}).items():
        path = private_data_dir / ('awx_' + name.split('.', 1)[1])
        path.write_text(jinja2.Template(template).render(namespace))
        path.chmod(0o600)
        filenames[name.split('.', 1)[1]] = str(path)
    namespace['tower'] = {'filename': filenames}
    return {name: jinja2.Template(template).render(namespace) for name, template in definition['injectors']['env'].items()}


def test_awx_certificate_credential_type(auth, emulator, admin, tmp_path):
    pem = open(auth.certificate['pem_path'], encoding='ascii').read()  # pylint: disable=consider-using-with
    env = awx_inject('credential_type_graph_certificate.yml',
                     {'tenant_id': emulator.tenant_id, 'client_id': CERT_APP, 'certificate': pem}, tmp_path)
    assert env['AZURE_CLIENT_CERTIFICATE_PASSWORD'] == '' and env['AZURE_CLOUD'] == 'global'
    run = auth.run({}, env=env)
    assert_set_by(run, admin, 'app:%s' % CERT_APP)


def test_awx_workload_identity_credential_type(auth, emulator, admin, tmp_path):
    token_file = tmp_path / 'azure-identity-token'
    token_file.write_text(auth.federated_token(AKS_ISSUER, AKS_SUBJECT))
    env = awx_inject('credential_type_graph_workload_identity.yml',
                     {'tenant_id': emulator.tenant_id, 'client_id': FEDERATED_APP, 'federated_token_file': str(token_file)}, tmp_path)
    run = auth.run({}, env=env)
    assert_set_by(run, admin, 'app:%s' % FEDERATED_APP)
