# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One class per auth method, chosen by auth_method; each validates its options and gets a token.

Each token comes through a fresh MSAL object whose cache lives in memory only: nothing is written to disk, and a
token asked for after Graph refused the last one is a new one, never the refused one from MSAL's cache. When to ask
is the TokenProvider's business (token_provider.py). Every failure is a GraphAuthError whose text is one sentence
with the fix and never holds a secret (no client secret, key, password, federated token or access token).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS, KNOWN_AUTHORITY_HOSTS, graph_scope
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import describe_connection_error
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError, GraphConnectionError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.optional_libraries import (
    LazyModule,
    library_found,
    library_import_error,
)

# Imported when a method that uses it is validated: a task given access_token never does.
HAS_MSAL = library_found('msal')
msal = LazyModule('msal')

try:
    import requests
except ImportError:
    requests = None

# What the common Entra error codes mean for the person reading the failed task.
AADSTS_FIXES = {
    7000215: 'the client secret is wrong: check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET), '
             'and use the secret value, not its id',
    7000222: 'the client secret has expired: create a new one for the app registration',
    700016: 'no app with this client_id exists in the tenant: check client_id and tenant_id',
    90002: 'the tenant was not found: check tenant_id (a tenant id or one of its domain names) and cloud',
    700027: 'the certificate is not registered with the app: upload its public part (.crt or .cer) '
            'under Certificates & secrets of the app registration, or use the certificate that is',
    700024: 'the client assertion has expired: give a fresh federated token (the platform renews the token file)',
    70021: 'no federated credential of the app matches the token: add one whose issuer, subject and audience '
           '(api://AzureADTokenExchange) are those of the token, or fix the token file',
    700211: 'no federated credential of the app has the issuer of the token: add one for that issuer',
    700212: 'no federated credential of the app has the audience of the token: request the token for api://AzureADTokenExchange',
    700213: 'no federated credential of the app has the subject of the token: add one for that subject',
    50027: 'the federated token is not a valid JWT: check that federated_token_file holds the token and nothing else',
    7000218: 'the request carried no credential: give client_secret, client_certificate_path or federated_token_file',
    500011: 'the resource was not found in the tenant: check cloud',
}

# Signals for auth_method: auto. Module options (or their env fallbacks) ...
AUTO_SIGNALS = (
    ('access_token', 'access_token'),
    ('client_secret', 'client_secret'),
    ('client_certificate_path', 'client_certificate'),
    ('federated_token_file', 'workload_identity'),
)
# ... and the variables Azure sets where a managed identity endpoint exists (App Service, Functions,
# Container Apps, Azure Arc: IDENTITY_ENDPOINT; Azure ML and older App Service: MSI_ENDPOINT). A plain Azure VM
# sets nothing, and auto never probes the metadata service: there, choose auth_method: managed_identity.
MANAGED_IDENTITY_ENV_SIGNALS = ('IDENTITY_ENDPOINT', 'MSI_ENDPOINT')

# The Azure VM metadata service, and MSAL's variable that moves it (meant for AAD Pod Identity).
IMDS_DEFAULT_HOST = 'http://169.254.169.254'
IMDS_HOST_ENV = 'AZURE_POD_IDENTITY_AUTHORITY_HOST'
# Managed identity endpoints are local to the machine: a short connect timeout turns "no endpoint here"
# into a quick, clear failure instead of a long wait.
MANAGED_IDENTITY_CONNECT_TIMEOUT = 5.0


def msal_version() -> tuple:
    parts = []
    for part in getattr(msal, '__version__', '0').split('.')[:2]:
        digits = ''.join(character for character in part if character.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def login_host(options: dict) -> str:
    """authority_host, or the cloud's login host; always with its scheme and without a trailing slash."""
    host = (options.get('authority_host') or CLOUDS[options['cloud']].authority_host).rstrip('/')
    if not urlsplit(host).scheme:
        raise GraphAuthError('authority_host must include its scheme, for example https://login.microsoftonline.com (got %s).' % host)
    return host


def login_authority(options: dict) -> str:
    return '%s/%s' % (login_host(options), options['tenant_id'])


def graph_resource(options: dict) -> str:
    """The resource a managed identity token is asked for: Graph of the cloud, never graph_endpoint."""
    return CLOUDS[options['cloud']].graph_resource


class TimeoutHttpClient:
    """Gives MSAL's requests a timeout: MSAL sends none when it is handed its http_client."""

    def __init__(self, session, timeout):
        self.session = session
        self.timeout = timeout

    def get(self, url, *args, **kwargs):
        kwargs.setdefault('timeout', self.timeout)
        return self.session.get(url, *args, **kwargs)

    def post(self, url, *args, **kwargs):
        kwargs.setdefault('timeout', self.timeout)
        return self.session.post(url, *args, **kwargs)

    def close(self):
        """The session belongs to the module run, which closes it."""


# What acquire_token() keeps of MSAL's answer: the token and what says when it expires (token_provider.token_expiry).
TOKEN_RESULT_KEYS = ('access_token', 'expires_in', 'expires_on', 'refresh_on')


def token_result(result: dict) -> dict:
    return {key: result[key] for key in TOKEN_RESULT_KEYS if key in result}


class AuthMethod:
    """Base: validate() fails early with a clear message; acquire_token() returns {'access_token', and the expiry
    the identity platform gave: 'expires_in' and/or 'expires_on', MSAL's 'refresh_on'}."""

    name = ''
    can_refresh = True

    def __init__(self, options: dict, session):
        """session: what MSAL sends through, the module's RetryingTransport (anything with get/post/close)."""
        self.options = options
        self.session = session

    def validate(self) -> None:
        raise NotImplementedError

    def acquire_token(self) -> dict:
        raise NotImplementedError

    def _require(self, *names: str) -> None:
        missing = [name for name in names if not self.options.get(name)]
        if missing:
            raise GraphAuthError('auth_method %s needs %s; set %s or the matching environment variable.' % (
                self.name, ', '.join(missing), ' and '.join(missing)))

    def _require_msal(self) -> None:
        if not HAS_MSAL or library_import_error('msal') is not None:
            raise GraphAuthError('auth_method %s needs the Python library msal: pip install msal.' % self.name)

    @property
    def is_app_only(self) -> bool:
        """True for methods that can only give an app-only token (no signed-in user, so no /me)."""
        return True


class AccessTokenAuth(AuthMethod):
    """A token obtained elsewhere (for example a delegated token for user: me)."""

    name = 'access_token'
    can_refresh = False

    def validate(self) -> None:
        self._require('access_token')

    def acquire_token(self) -> dict:
        # No expiry known: a given token is used until Graph refuses it, and then it cannot be renewed.
        return {'access_token': self.options['access_token']}

    @property
    def is_app_only(self) -> bool:
        # Opaque to us: we never decode tokens, so Graph decides whether it is delegated.
        return False


class MsalConfidentialClientAuth(AuthMethod):
    """Client credentials through MSAL's ConfidentialClientApplication; subclasses give the credential."""

    def validate(self) -> None:
        self._require_msal()
        self._require('tenant_id', 'client_id')

    def client_credential(self):
        raise NotImplementedError

    def error_hint(self, codes: list) -> str | None:  # pylint: disable=unused-argument
        """A method-specific addition to the AADSTS fix (for example the thumbprint that was sent)."""
        return None

    def acquire_token(self) -> dict:
        host = login_host(self.options)
        authority = login_authority(self.options)
        credential = self.client_credential()
        try:
            # A fresh application (and so a fresh in-memory cache) per token: nothing is written to disk.
            app = msal.ConfidentialClientApplication(
                self.options['client_id'],
                client_credential=credential,
                authority=authority,
                http_client=TimeoutHttpClient(self.session, self.options.get('timeout') or 30),
                instance_discovery=host in KNOWN_AUTHORITY_HOSTS,
                token_cache=msal.TokenCache(),
            )
            result = app.acquire_token_for_client(scopes=[graph_scope(self.options['cloud'])])
        except requests.exceptions.RequestException as exc:
            raise GraphConnectionError(describe_connection_error(exc, authority)) from None
        except ValueError as exc:
            # MSAL raises ValueError when the authority's OpenID configuration cannot be read,
            # which is what an unknown tenant looks like.
            raise GraphAuthError(describe_authority_error(authority, exc)) from None
        if 'access_token' in result:
            return token_result(result)
        raise GraphAuthError(describe_token_error(result, self.options, hint=self.error_hint(result.get('error_codes') or [])))


def describe_authority_error(authority: str, exc: Exception) -> str:
    """MSAL's ValueError for an authority it could not use, as one sentence (no body, no secret)."""
    detail = str(exc).split('\n', 1)[0].strip()
    if detail.startswith('Unable to get authority configuration'):
        # MSAL could not read {authority}/v2.0/.well-known/openid-configuration: Entra answers 400 (AADSTS90002)
        # for a tenant it does not know.
        return ('The login authority %s does not know this tenant: check tenant_id (a tenant id or one of its domain names), '
                'cloud and authority_host.' % authority)
    return 'Could not use the login authority %s (%s): check tenant_id, cloud and authority_host.' % (
        authority, detail.split('. ', 1)[0].rstrip('.')[:200])


def _first_line(description: str | None) -> str:
    """Entra's error description without its trace, correlation id and timestamp lines."""
    text = (description or '').split('\r\n', 1)[0].split('\n', 1)[0]
    return text.split(' Trace ID:', 1)[0].strip()


def describe_token_error(result: dict, options: dict, hint: str | None = None) -> str:
    """One sentence from MSAL's error dict: Entra's AADSTS code, what it means, and the fix."""
    codes = result.get('error_codes') or []
    description = _first_line(result.get('error_description'))
    fix = next((AADSTS_FIXES[code] for code in codes if code in AADSTS_FIXES), None)
    message = 'Could not get a token for client_id %s in tenant %s: %s' % (
        options.get('client_id'), options.get('tenant_id'), result.get('error', 'unknown_error'))
    if description:
        message += ' (%s)' % description.rstrip('.')
    if fix:
        message += '; %s' % fix
    if hint:
        message += ' (%s)' % hint
    return message + '.'


class ClientSecretAuth(MsalConfidentialClientAuth):
    name = 'client_secret'

    def validate(self) -> None:
        super().validate()
        self._require('client_secret')

    def client_credential(self):
        return self.options['client_secret']


class ClientCertificateAuth(MsalConfidentialClientAuth):
    """A certificate registered with the app: a PEM with key and certificate, or a PFX with its password."""

    name = 'client_certificate'

    def __init__(self, options: dict, session):
        super().__init__(options, session)
        self.certificate = None

    def validate(self) -> None:
        super().validate()
        if msal_version() < (1, 35):
            # Older MSAL needs a SHA-1 thumbprint given by hand, and signs with RS256 instead of PS256.
            raise GraphAuthError('auth_method client_certificate needs msal 1.35 or later (found %s): pip install --upgrade msal.'
                                 % msal.__version__)
        self._require('client_certificate_path')
        # Imported here: the cryptography library costs every other method about 40 ms of start-up (issue 13).
        from ansible_collections.graphops.msgraph.plugins.module_utils._auth.certificate import (  # pylint: disable=import-outside-toplevel
            load_client_certificate,
        )
        # Read the file now: a missing file or a wrong password fails before anything is sent.
        self.certificate = load_client_certificate(self.options['client_certificate_path'],
                                                   self.options.get('client_certificate_password'))

    def client_credential(self):
        return self.certificate.msal_credential()

    def error_hint(self, codes: list) -> str | None:
        if 700027 in codes:
            return 'sent %s' % self.certificate.describe()
        return None


class WorkloadIdentityAuth(MsalConfidentialClientAuth):
    """Workload identity federation: the JWT in federated_token_file is the client assertion.

    The file is read again each time MSAL builds a token request, never cached by us: platforms (AKS, CI
    runners) rotate the token in place, so the one on disk is the one that is valid now.
    """

    name = 'workload_identity'

    def validate(self) -> None:
        super().validate()
        self._require('federated_token_file')
        self.read_federated_token()

    def read_federated_token(self) -> str:
        path = self.options['federated_token_file']
        try:
            with open(path, encoding='utf-8') as handle:
                token = handle.read().strip()
        except FileNotFoundError:
            raise GraphAuthError('federated_token_file %s does not exist: set it (or AZURE_FEDERATED_TOKEN_FILE) to the file the platform '
                                 'writes the federated token to (on AKS, label the pod azure.workload.identity/use: "true").' % path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise GraphAuthError('federated_token_file %s could not be read (%s): make it a text file readable by the user that runs '
                                 'the module.' % (path, getattr(exc, 'strerror', None) or type(exc).__name__)) from None
        if not token:
            raise GraphAuthError('federated_token_file %s is empty: the platform has not written a federated token into it '
                                 '(check the token projection or the CI step that requests the OIDC token).' % path)
        return token

    def client_credential(self):
        # A callable: MSAL calls it for each token request, so the file is read fresh every time.
        return {'client_assertion': self.read_federated_token}

    def error_hint(self, codes: list) -> str | None:
        if set(codes) & {70021, 700211, 700212, 700213, 700024, 50027}:
            return 'token from %s' % self.options['federated_token_file']
        return None


class ManagedIdentityAuth(AuthMethod):
    """The managed identity of the Azure resource the module runs on: system-assigned, or user-assigned by client_id.

    MSAL's ManagedIdentityClient finds the endpoint the way Azure documents it: IDENTITY_ENDPOINT with
    IDENTITY_HEADER (App Service, Functions, Container Apps), IDENTITY_ENDPOINT with IMDS_ENDPOINT or the agent
    (Azure Arc), MSI_ENDPOINT with MSI_SECRET (Azure ML), and otherwise the Azure VM metadata service
    (http://169.254.169.254, or AZURE_POD_IDENTITY_AUTHORITY_HOST).
    """

    name = 'managed_identity'

    @property
    def environ(self):
        # MSAL reads os.environ itself, so this class must look at the same place, never at a copy.
        return os.environ

    def validate(self) -> None:
        self._require_msal()
        if not hasattr(msal, 'ManagedIdentityClient'):
            raise GraphAuthError('auth_method managed_identity needs msal 1.29 or later (found %s): pip install --upgrade msal.'
                                 % msal.__version__)
        env = self.environ
        # Half-configured endpoints make MSAL fall back to the VM metadata service, which would hide the real problem.
        if env.get('IDENTITY_ENDPOINT') and not (env.get('IDENTITY_HEADER') or env.get('IMDS_ENDPOINT')):
            raise GraphAuthError('IDENTITY_ENDPOINT is set but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor '
                                 'IMDS_ENDPOINT (Azure Arc) is: set both variables of the platform, or unset IDENTITY_ENDPOINT.')
        if env.get('MSI_ENDPOINT') and not env.get('MSI_SECRET'):
            raise GraphAuthError('MSI_ENDPOINT is set without MSI_SECRET, as in Azure Cloud Shell, which has no managed identity for '
                                 'modules: use auth_method access_token with a token from az account get-access-token --resource-type ms-graph.')

    def managed_identity(self):
        if self.options.get('client_id'):
            return msal.UserAssignedManagedIdentity(client_id=self.options['client_id'])
        return msal.SystemAssignedManagedIdentity()

    def describe_identity(self) -> str:
        if self.options.get('client_id'):
            return 'the user-assigned managed identity with client_id %s' % self.options['client_id']
        return 'the system-assigned managed identity'

    def describe_source(self) -> str:
        """Where MSAL will ask, in the order MSAL checks (msal.managed_identity._obtain_token)."""
        env = self.environ
        if env.get('IDENTITY_ENDPOINT') and env.get('IDENTITY_HEADER'):
            kind = 'Service Fabric' if env.get('IDENTITY_SERVER_THUMBPRINT') else 'App Service'
            return 'the %s endpoint %s (IDENTITY_ENDPOINT)' % (kind, env['IDENTITY_ENDPOINT'])
        if env.get('MSI_ENDPOINT') and env.get('MSI_SECRET'):
            return 'the endpoint %s (MSI_ENDPOINT)' % env['MSI_ENDPOINT']
        if env.get('IDENTITY_ENDPOINT') and env.get('IMDS_ENDPOINT'):
            return 'the Azure Arc endpoint %s (IDENTITY_ENDPOINT)' % env['IDENTITY_ENDPOINT']
        if os.path.exists('/opt/azcmagent/bin/himds'):
            return 'the Azure Arc agent on this machine'
        if env.get(IMDS_HOST_ENV):
            return 'the metadata service %s (%s)' % (env[IMDS_HOST_ENV].rstrip('/'), IMDS_HOST_ENV)
        return ('the Azure VM metadata service %s (no IDENTITY_ENDPOINT or MSI_ENDPOINT is set, so this is not App Service, '
                'Functions, Container Apps or Azure Arc)' % IMDS_DEFAULT_HOST)

    def _http_client(self):
        timeout = self.options.get('timeout') or 30
        if self.environ.get('IDENTITY_SERVER_THUMBPRINT'):
            # Service Fabric: MSAL derives a certificate-pinning session and needs the requests.Session itself,
            # so these calls go without the transport's retries.
            return getattr(self.session, 'session', self.session)
        return TimeoutHttpClient(self.session, (min(timeout, MANAGED_IDENTITY_CONNECT_TIMEOUT), timeout))

    def acquire_token(self) -> dict:
        source = self.describe_source()
        try:
            client = msal.ManagedIdentityClient(self.managed_identity(), http_client=self._http_client(), token_cache=msal.TokenCache())
            result = client.acquire_token_for_client(resource=graph_resource(self.options))
        except requests.exceptions.RequestException as exc:
            raise GraphAuthError('No managed identity endpoint answered at %s (%s): run the module on an Azure resource that has a '
                                 'managed identity, or choose another auth_method.' % (source, type(exc).__name__)) from None
        except ValueError as exc:
            # msal.ManagedIdentityError, or an endpoint that answered something other than JSON.
            raise GraphAuthError('The managed identity endpoint, %s, did not give a token for %s (%s): check that the resource has '
                                 'that identity.' % (source, self.describe_identity(), str(exc).split('\n', 1)[0][:200])) from None
        if 'access_token' in result:
            # expires_in as MSAL normalises it, or expires_on when an endpoint answered only that (MSAL passes it on).
            return token_result(result)
        detail = _first_line(result.get('error_description')).rstrip('.')[:300] or result.get('error', 'unknown_error')
        if detail.startswith('401'):
            fix = 'IDENTITY_HEADER must be the value the platform set; do not override it'
        else:
            fix = 'assign that identity to the resource (client_id selects a user-assigned one, no client_id the system-assigned one)'
        raise GraphAuthError('The managed identity endpoint, %s, refused a token for %s (%s): %s.' % (
            source, self.describe_identity(), detail, fix))


AUTH_METHOD_CLASSES = {cls.name: cls for cls in (
    ClientSecretAuth, ClientCertificateAuth, WorkloadIdentityAuth, ManagedIdentityAuth, AccessTokenAuth)}


def find_auth_signals(options: dict, environ=None) -> list:
    """(where it was found, method) for every method the options and the environment point to."""
    environ = os.environ if environ is None else environ
    found = [(option, method) for option, method in AUTO_SIGNALS if options.get(option)]
    for name in MANAGED_IDENTITY_ENV_SIGNALS:
        if environ.get(name):
            found.append(('%s in the environment' % name, 'managed_identity'))
            break
    return found


def choose_auth_method_name(options: dict, environ=None) -> str:
    """The method named by auth_method, or for auto the single one the given options and environment point to."""
    if options.get('auth_method', 'auto') != 'auto':
        return options['auth_method']
    environ = os.environ if environ is None else environ
    found = find_auth_signals(options, environ)
    if len(found) == 1:
        return found[0][1]
    if not found and environ.get('AZURE_AD_USER'):
        raise GraphAuthError('auth_method auto found only AZURE_AD_USER and AZURE_PASSWORD, the user-and-password form of AWX\'s '
                             'Microsoft Azure Resource Manager credential, which Microsoft Graph modules do not use: fill in the '
                             'credential\'s Client ID, Client Secret and Tenant ID instead.')
    if not found:
        raise GraphAuthError('auth_method auto found no credentials: set one of client_secret, client_certificate_path or '
                             'federated_token_file (each with tenant_id and client_id), or access_token, or their environment '
                             'variables (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or '
                             'AZURE_FEDERATED_TOKEN_FILE, or GRAPH_ACCESS_TOKEN); on an Azure VM with a managed identity, set '
                             'auth_method: managed_identity.')
    raise GraphAuthError('auth_method auto found credentials for more than one method (%s); set auth_method to the one to use.' % (
        ', '.join('%s from %s' % (method, where) for where, method in found)))


def build_auth_method(options: dict, session) -> AuthMethod:
    method = AUTH_METHOD_CLASSES[choose_auth_method_name(options)](options, session)
    method.validate()
    return method
