# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing the auth method, the cloud mapping, and what each method sends, with a fake HTTP client (no network)."""

from __future__ import annotations

import json
import os
from urllib.parse import parse_qs

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.access_token_auth import AccessTokenAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import AuthMethod, graph_resource, login_authority, msal
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.client_certificate_auth import ClientCertificateAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.client_secret_auth import ClientSecretAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.managed_identity_auth import ManagedIdentityAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.method_choice import AUTH_METHOD_CLASSES, build_auth_method, choose_auth_method_name
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.msal_client_auth import describe_authority_error, describe_token_error
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.workload_identity_auth import WorkloadIdentityAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.options import AUTH_ARGUMENT_SPEC, resolve_cloud
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS, graph_scope
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError, GraphOptionError

MANAGED_IDENTITY_ENV = ('IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET')


def options(**given):
    base = dict(auth_method='auto', tenant_id=None, client_id=None, client_secret=None, client_certificate_path=None,
                client_certificate_password=None, federated_token_file=None, access_token=None, cloud='global',
                authority_host=None, timeout=30)
    base.update(given)
    return base


@pytest.fixture(autouse=True)
def no_managed_identity_env(monkeypatch):
    """No test may depend on (or reach) a real managed identity endpoint of the machine it runs on."""
    for name in MANAGED_IDENTITY_ENV:
        monkeypatch.delenv(name, raising=False)
    # If anything ever fell through to the VM metadata service, it would meet a closed loopback port.
    monkeypatch.setenv('AZURE_POD_IDENTITY_AUTHORITY_HOST', 'http://127.0.0.1:9')


# --- auth_method: auto -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('given, environ, expected', [
    (dict(access_token='t'), {}, 'access_token'),
    (dict(client_secret='s', tenant_id='t', client_id='c'), {}, 'client_secret'),
    (dict(client_certificate_path='/c.pem', tenant_id='t', client_id='c'), {}, 'client_certificate'),
    (dict(client_certificate_path='/c.pfx', client_certificate_password='p'), {}, 'client_certificate'),
    (dict(federated_token_file='/f', tenant_id='t', client_id='c'), {}, 'workload_identity'),
    (dict(), {'IDENTITY_ENDPOINT': 'http://localhost:42356/msi/token', 'IDENTITY_HEADER': 'h'}, 'managed_identity'),
    (dict(), {'MSI_ENDPOINT': 'http://localhost:42356/msi/token', 'MSI_SECRET': 's'}, 'managed_identity'),
    # client_id names the user-assigned identity: it is no credential of its own.
    (dict(client_id='c', tenant_id='t'), {'IDENTITY_ENDPOINT': 'http://localhost:42356/msi/token'}, 'managed_identity'),
    # An explicit choice wins over whatever else is given.
    (dict(auth_method='client_secret', access_token='t'), {}, 'client_secret'),
    (dict(auth_method='managed_identity', client_secret='s'), {}, 'managed_identity'),
    (dict(auth_method='access_token'), {'IDENTITY_ENDPOINT': 'x'}, 'access_token'),
])
def test_auto_picks_the_single_method_the_options_and_environment_point_to(given, environ, expected):
    assert choose_auth_method_name(options(**given), environ) == expected


def test_auto_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv('IDENTITY_ENDPOINT', 'http://localhost:42356/msi/token')
    assert choose_auth_method_name(options()) == 'managed_identity'


def test_auto_with_nothing_lists_what_to_set():
    with pytest.raises(GraphAuthError) as caught:
        choose_auth_method_name(options(tenant_id='t', client_id='c'), {})
    message = str(caught.value)
    assert message.startswith('auth_method auto found no credentials: set one of client_secret, client_certificate_path or federated_token_file')
    for name in ('AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE', 'GRAPH_ACCESS_TOKEN',
                 'auth_method: managed_identity'):
        assert name in message


def test_auto_explains_the_user_and_password_form_of_the_awx_azure_credential():
    with pytest.raises(GraphAuthError, match="^auth_method auto found only AZURE_AD_USER and AZURE_PASSWORD, .* fill in the credential's "
                                             "Client ID, Client Secret and Tenant ID instead.$"):
        choose_auth_method_name(options(), {'AZURE_AD_USER': 'admin@contoso.com', 'AZURE_PASSWORD': 'pw'})


@pytest.mark.parametrize('given, environ, listed', [
    (dict(access_token='t', client_secret='s'), {}, 'access_token from access_token, client_secret from client_secret'),
    (dict(client_secret='s', client_certificate_path='/c.pem'), {},
     'client_secret from client_secret, client_certificate from client_certificate_path'),
    (dict(federated_token_file='/f'), {'IDENTITY_ENDPOINT': 'x', 'IDENTITY_HEADER': 'h'},
     'workload_identity from federated_token_file, managed_identity from IDENTITY_ENDPOINT in the environment'),
    (dict(client_secret='s'), {'MSI_ENDPOINT': 'x'}, 'client_secret from client_secret, managed_identity from MSI_ENDPOINT in the environment'),
])
def test_auto_with_two_methods_lists_what_it_found(given, environ, listed):
    with pytest.raises(GraphAuthError) as caught:
        choose_auth_method_name(options(**given), environ)
    assert str(caught.value) == ('auth_method auto found credentials for more than one method (%s); '
                                 'set auth_method to the one to use.' % listed)
    assert "'s'" not in str(caught.value) and "'t'" not in str(caught.value)


@pytest.mark.parametrize('method, given, missing', [
    ('client_secret', dict(client_secret='s'), 'tenant_id, client_id'),
    ('client_secret', dict(tenant_id='t', client_id='c'), 'client_secret'),
    ('client_certificate', dict(tenant_id='t'), 'client_id'),
    ('client_certificate', dict(tenant_id='t', client_id='c'), 'client_certificate_path'),
    ('workload_identity', dict(client_id='c', federated_token_file='/f'), 'tenant_id'),
    ('workload_identity', dict(tenant_id='t', client_id='c'), 'federated_token_file'),
    ('access_token', dict(), 'access_token'),
])
def test_each_method_names_the_options_it_misses(method, given, missing):
    with pytest.raises(GraphAuthError, match='^auth_method %s needs %s; set ' % (method, missing)):
        build_auth_method(options(auth_method=method, **given), session=None)


def test_access_token_alone_is_enough_and_never_refreshes():
    method = build_auth_method(options(access_token='tok'), session=None)
    assert isinstance(method, AccessTokenAuth)
    assert method.acquire_token() == {'access_token': 'tok'}
    assert method.can_refresh is False
    assert method.is_app_only is False
    assert ClientSecretAuth(options(), None).is_app_only is True


@pytest.mark.parametrize('cls', [ClientSecretAuth, ClientCertificateAuth, WorkloadIdentityAuth, ManagedIdentityAuth])
def test_every_method_is_a_real_class_with_validate_and_acquire(cls):
    assert cls.validate is not AuthMethod.validate
    assert cls.acquire_token is not AuthMethod.acquire_token
    assert AUTH_METHOD_CLASSES[cls.name] is cls


# --- errors ------------------------------------------------------------------------------------------------------

def test_token_error_sentence_names_the_aadsts_code_and_the_fix_without_the_secret():
    result = {'error': 'invalid_client', 'error_codes': [7000215],
              'error_description': 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x'}
    message = describe_token_error(result, options(client_id='c1', tenant_id='t1', client_secret='hunter2'))
    assert message == ('Could not get a token for client_id c1 in tenant t1: invalid_client '
                       '(AADSTS7000215: Invalid client secret provided); the client secret is wrong: '
                       'check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET), and use the secret value, not its id.')
    assert 'hunter2' not in message


@pytest.mark.parametrize('code, fix', [
    (700027, 'the certificate is not registered with the app'),
    (70021, 'no federated credential of the app matches the token'),
    (90002, 'the tenant was not found'),
    (700016, 'no app with this client_id exists in the tenant'),
])
def test_token_error_fixes_for_the_other_credentials(code, fix):
    result = {'error': 'invalid_client', 'error_codes': [code],
              'error_description': 'AADSTS%d: Something. Trace ID: 1 Correlation ID: 2 Timestamp: 3' % code}
    message = describe_token_error(result, options(client_id='c', tenant_id='t'))
    assert '(AADSTS%d: Something); %s' % (code, fix) in message
    assert 'Trace ID' not in message


def test_unknown_tenant_from_msal_is_one_sentence():
    exc = ValueError('Unable to get authority configuration for https://login.example/nope. Authority would typically be ...')
    assert describe_authority_error('https://login.example/nope', exc) == (
        'The login authority https://login.example/nope does not know this tenant: check tenant_id (a tenant id or one of '
        'its domain names), cloud and authority_host.')


def test_authority_host_needs_a_scheme():
    with pytest.raises(GraphAuthError, match='authority_host must include its scheme'):
        login_authority(options(tenant_id='t', authority_host='login.microsoftonline.us'))


# --- clouds ------------------------------------------------------------------------------------------------------

CLOUD_TABLE = [
    ('global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com', 'https://graph.microsoft.com/.default'),
    ('usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us', 'https://graph.microsoft.us/.default'),
    ('usgov_dod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us/.default'),
    ('china', 'https://microsoftgraph.chinacloudapi.cn', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'),
]


@pytest.mark.parametrize('cloud, graph, login, scope', CLOUD_TABLE, ids=[row[0] for row in CLOUD_TABLE])
def test_cloud_chooses_graph_host_login_authority_and_scope_together(cloud, graph, login, scope):
    assert CLOUDS[cloud].graph_endpoint == graph
    assert login_authority(options(cloud=cloud, tenant_id='contoso.com')) == login + '/contoso.com'
    assert graph_scope(cloud) == scope
    assert graph_resource(options(cloud=cloud)) + '/.default' == scope


def test_every_cloud_is_in_the_table():
    assert sorted(CLOUDS) == sorted(row[0] for row in CLOUD_TABLE)


@pytest.mark.parametrize('given, environment, expected', [
    (None, None, 'global'),
    (None, '', 'global'),
    (None, 'AzureCloud', 'global'),
    (None, 'AzurePublicCloud', 'global'),
    (None, 'AzureUSGovernment', 'usgov'),
    (None, 'azureusgovernment', 'usgov'),
    (None, ' AZURECHINACLOUD ', 'china'),
    # The option, or AZURE_CLOUD (its fallback, already in the option's value), wins.
    ('usgov_dod', 'AzureChinaCloud', 'usgov_dod'),
    ('global', 'AzureUSGovernment', 'global'),
    ('china', 'AzureMars', 'china'),
])
def test_azure_cloud_environment_is_the_last_fallback_of_cloud(given, environment, expected):
    environ = {} if environment is None else {'AZURE_CLOUD_ENVIRONMENT': environment}
    assert resolve_cloud(given, environ) == expected


@pytest.mark.parametrize('value', ['AzureMars', 'AzureGermanCloud', 'usgov'])
def test_an_unknown_azure_cloud_environment_names_itself_and_the_accepted_names(value):
    with pytest.raises(GraphOptionError) as caught:
        resolve_cloud(None, {'AZURE_CLOUD_ENVIRONMENT': value})
    assert str(caught.value) == (
        'AZURE_CLOUD_ENVIRONMENT is "%s", which names no cloud these modules know: use AzureCloud (global), AzurePublicCloud (global), '
        'AzureUSGovernment (usgov), AzureChinaCloud (china) (or set cloud, or AZURE_CLOUD, to one of china, global, usgov, usgov_dod; '
        'either wins over AZURE_CLOUD_ENVIRONMENT).' % value)


def test_cloud_has_no_default_so_that_not_given_can_be_told_from_global():
    assert 'default' not in AUTH_ARGUMENT_SPEC['cloud']
    assert AUTH_ARGUMENT_SPEC['cloud']['fallback'][1] == ['AZURE_CLOUD']


@pytest.mark.parametrize('cloud', [row[0] for row in CLOUD_TABLE])
def test_authority_host_overrides_the_login_host_but_not_the_scope(cloud):
    given = options(cloud=cloud, tenant_id='t', authority_host='https://127.0.0.1:8443/')
    assert login_authority(given) == 'https://127.0.0.1:8443/t'
    assert graph_resource(given) == CLOUDS[cloud].graph_resource


class FakeResponse:
    def __init__(self, payload, status=200):
        self.status_code = status
        self.text = json.dumps(payload)
        self.headers = {'Content-Type': 'application/json'}

    def raise_for_status(self):
        if self.status_code >= 400:
            raise AssertionError('unexpected status %s' % self.status_code)


class FakeIdentityService:
    """Stands in for the requests session MSAL is given: records every call, answers like Entra and App Service."""

    def __init__(self):
        self.calls = []

    def get(self, url, params=None, headers=None, **kwargs):
        self.calls.append(('GET', url, params, None, headers, kwargs))
        if url.endswith('/.well-known/openid-configuration'):
            authority = url.split('/v2.0/.well-known', 1)[0]
            return FakeResponse({'token_endpoint': authority + '/oauth2/v2.0/token', 'authorization_endpoint': authority + '/oauth2/v2.0/authorize',
                                 'issuer': authority + '/v2.0'})
        return FakeResponse({'access_token': 'mi-token', 'expires_on': '9999999999', 'resource': params.get('resource'), 'token_type': 'Bearer'})

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        self.calls.append(('POST', url, params, data, headers, kwargs))
        return FakeResponse({'token_type': 'Bearer', 'expires_in': 3599, 'access_token': 'app-token'})

    def close(self):
        pass


@pytest.mark.parametrize('cloud, graph, login, scope', CLOUD_TABLE, ids=[row[0] for row in CLOUD_TABLE])
def test_msal_asks_the_cloud_authority_for_the_cloud_scope(cloud, graph, login, scope):
    service = FakeIdentityService()
    method = build_auth_method(options(cloud=cloud, tenant_id='contoso.com', client_id='c', client_secret='s'), service)
    assert method.acquire_token() == {'access_token': 'app-token', 'expires_in': 3599}
    posts = [call for call in service.calls if call[0] == 'POST']
    assert len(posts) == 1
    assert posts[0][1] == login + '/contoso.com/oauth2/v2.0/token'
    form = posts[0][3] if isinstance(posts[0][3], dict) else parse_qs(posts[0][3])
    assert form['scope'] in (scope, [scope])
    assert all(call[1].startswith(login + '/') for call in service.calls)
    assert all(call[5].get('timeout') == 30 for call in service.calls), 'every MSAL request needs a timeout'


@pytest.mark.parametrize('cloud, graph, login, scope', CLOUD_TABLE, ids=[row[0] for row in CLOUD_TABLE])
def test_managed_identity_asks_for_the_cloud_resource(monkeypatch, cloud, graph, login, scope):
    monkeypatch.setenv('IDENTITY_ENDPOINT', 'http://localhost:42356/msi/token')
    monkeypatch.setenv('IDENTITY_HEADER', 'header-value')
    service = FakeIdentityService()
    method = build_auth_method(options(cloud=cloud), service)
    assert isinstance(method, ManagedIdentityAuth)
    assert method.acquire_token()['access_token'] == 'mi-token'
    (call,) = service.calls
    assert call[1] == 'http://localhost:42356/msi/token'
    assert call[2]['resource'] == scope[:-len('/.default')]
    assert 'client_id' not in call[2]
    assert call[5]['timeout'] == (5.0, 30)


def test_managed_identity_user_assigned_by_client_id(monkeypatch):
    monkeypatch.setenv('IDENTITY_ENDPOINT', 'http://localhost:42356/msi/token')
    monkeypatch.setenv('IDENTITY_HEADER', 'header-value')
    service = FakeIdentityService()
    build_auth_method(options(client_id='6a3c9e2b-5d18-4f47-b8a6-2e9d4c1f7b83'), service).acquire_token()
    assert service.calls[0][2]['client_id'] == '6a3c9e2b-5d18-4f47-b8a6-2e9d4c1f7b83'


@pytest.mark.parametrize('environ, message', [
    ({'IDENTITY_ENDPOINT': 'http://localhost:42356/msi/token'}, '^IDENTITY_ENDPOINT is set but neither IDENTITY_HEADER'),
    ({'MSI_ENDPOINT': 'http://localhost:50342/oauth2/token'}, '^MSI_ENDPOINT is set without MSI_SECRET, as in Azure Cloud Shell'),
])
def test_managed_identity_refuses_half_configured_endpoints(monkeypatch, environ, message):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(GraphAuthError, match=message):
        build_auth_method(options(auth_method='managed_identity'), FakeIdentityService())


ARC_AGENT = '/opt/azcmagent/bin/himds'


def arc_agent(monkeypatch, *, installed: bool):
    """Whether the Azure Arc agent is on this machine, as describe_source (and MSAL) find out: os.path.exists of it."""
    exists = os.path.exists
    monkeypatch.setattr(os.path, 'exists', lambda path: installed if path == ARC_AGENT else exists(path))


def test_managed_identity_without_endpoint_names_the_metadata_service(monkeypatch):
    monkeypatch.delenv('AZURE_POD_IDENTITY_AUTHORITY_HOST')
    arc_agent(monkeypatch, installed=False)
    method = ManagedIdentityAuth(options(auth_method='managed_identity'), None)
    assert method.describe_source().startswith('the Azure VM metadata service http://169.254.169.254 (no IDENTITY_ENDPOINT or MSI_ENDPOINT')


def test_managed_identity_on_a_machine_with_the_arc_agent_names_the_agent(monkeypatch):
    # Checked before AZURE_POD_IDENTITY_AUTHORITY_HOST (which the autouse fixture sets), in MSAL's order.
    arc_agent(monkeypatch, installed=True)
    method = ManagedIdentityAuth(options(auth_method='managed_identity'), None)
    assert method.describe_source() == 'the Azure Arc agent on this machine'
    # An Arc endpoint given in the environment is named before the agent's file.
    monkeypatch.setenv('IDENTITY_ENDPOINT', 'http://localhost:40342/metadata/identity/oauth2/token')
    monkeypatch.setenv('IMDS_ENDPOINT', 'http://localhost:40342')
    assert method.describe_source() == 'the Azure Arc endpoint http://localhost:40342/metadata/identity/oauth2/token (IDENTITY_ENDPOINT)'


def test_workload_identity_reads_the_token_file_on_every_request(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text('first.jwt.value\n')
    method = build_auth_method(options(tenant_id='t', client_id='c', federated_token_file=str(token_file)), FakeIdentityService())
    assert isinstance(method, WorkloadIdentityAuth)
    assertion = method.client_credential()['client_assertion']
    assert callable(assertion)
    assert assertion() == 'first.jwt.value'
    token_file.write_text('second.jwt.value')
    assert assertion() == 'second.jwt.value'


def test_workload_identity_sends_the_file_content_as_client_assertion(tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text('header.payload.signature')
    service = FakeIdentityService()
    build_auth_method(options(tenant_id='t', client_id='c', federated_token_file=str(token_file)), service).acquire_token()
    (post,) = [call for call in service.calls if call[0] == 'POST']
    form = post[3] if isinstance(post[3], dict) else {k: v[0] for k, v in parse_qs(post[3]).items()}
    assert form['client_assertion'] == 'header.payload.signature'
    assert form['client_assertion_type'] == 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    assert 'client_secret' not in form


@pytest.mark.parametrize('content, message', [
    (None, 'federated_token_file {path} does not exist: set it (or AZURE_FEDERATED_TOKEN_FILE)'),
    ('', 'federated_token_file {path} is empty: the platform has not written a federated token into it'),
    ('  \n', 'federated_token_file {path} is empty'),
])
def test_workload_identity_token_file_problems(tmp_path, content, message):
    token_file = tmp_path / 'token'
    if content is not None:
        token_file.write_text(content)
    with pytest.raises(GraphAuthError) as caught:
        build_auth_method(options(tenant_id='t', client_id='c', federated_token_file=str(token_file)), None)
    assert str(caught.value).startswith(message.format(path=token_file))


def test_client_certificate_needs_an_msal_that_sends_the_sha256_thumbprint(monkeypatch, tmp_path):
    monkeypatch.setattr(msal, '__version__', '1.34.0')
    with pytest.raises(GraphAuthError, match=r'^auth_method client_certificate needs msal 1.35 or later \(found 1.34.0\)'):
        build_auth_method(options(tenant_id='t', client_id='c', client_certificate_path=str(tmp_path / 'c.pem')), None)
