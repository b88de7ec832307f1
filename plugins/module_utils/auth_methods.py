# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One class per auth method, chosen by auth_method; each validates its options and gets a token."""

from __future__ import annotations

import traceback
from urllib.parse import urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils.clouds import CLOUDS, KNOWN_AUTHORITY_HOSTS, graph_scope
from ansible_collections.graphops.msgraph.plugins.module_utils.graph_client import describe_connection_error
from ansible_collections.graphops.msgraph.plugins.module_utils.graph_errors import GraphAuthError, GraphConnectionError

try:
    import msal
    HAS_MSAL = True
    MSAL_IMPORT_ERROR = None
except ImportError:
    msal = None
    HAS_MSAL = False
    MSAL_IMPORT_ERROR = traceback.format_exc()

try:
    import requests
except ImportError:
    requests = None

# What the common Entra error codes mean for the person reading the failed task.
AADSTS_FIXES = {
    7000215: 'the client secret is wrong: check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET)',
    7000222: 'the client secret has expired: create a new one for the app registration',
    700016: 'no app with this client_id exists in the tenant: check client_id and tenant_id',
    90002: 'the tenant was not found: check tenant_id (a tenant id or one of its domain names)',
    700027: 'the certificate does not match one registered with the app',
    70021: 'no federated credential of the app matches the federated token',
    500011: 'the resource was not found in the tenant: check cloud',
}


def _authority_host(options: dict) -> str:
    host = options.get('authority_host') or CLOUDS[options['cloud']].authority_host
    host = host.rstrip('/')
    if not urlsplit(host).scheme:
        raise GraphAuthError('authority_host must include its scheme, for example https://login.microsoftonline.com (got %s).' % host)
    return host


class AuthMethod:
    """Base: validate() fails early with a clear message; acquire_token() returns a token string."""

    name = ''
    can_refresh = True

    def __init__(self, options: dict, session):
        self.options = options
        self.session = session

    def validate(self) -> None:
        raise NotImplementedError

    def acquire_token(self) -> str:
        raise NotImplementedError

    def _require(self, *names: str) -> None:
        missing = [name for name in names if not self.options.get(name)]
        if missing:
            raise GraphAuthError('auth_method %s needs %s; set %s or the matching environment variable.' % (
                self.name, ', '.join(missing), ' and '.join(missing)))

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

    def acquire_token(self) -> str:
        return self.options['access_token']

    @property
    def is_app_only(self) -> bool:
        # Opaque to us: we never decode tokens, so Graph decides whether it is delegated.
        return False


class MsalConfidentialClientAuth(AuthMethod):
    """Client credentials through MSAL's ConfidentialClientApplication; subclasses give the credential."""

    def validate(self) -> None:
        if not HAS_MSAL:
            raise GraphAuthError('auth_method %s needs the Python library msal: pip install msal.' % self.name)
        self._require('tenant_id', 'client_id')

    def client_credential(self):
        raise NotImplementedError

    def acquire_token(self) -> str:
        host = _authority_host(self.options)
        authority = '%s/%s' % (host, self.options['tenant_id'])
        try:
            # A fresh application (and so a fresh in-memory cache) per token: nothing is written to disk.
            app = msal.ConfidentialClientApplication(
                self.options['client_id'],
                client_credential=self.client_credential(),
                authority=authority,
                http_client=self.session,
                instance_discovery=host in KNOWN_AUTHORITY_HOSTS,
                token_cache=msal.TokenCache(),
            )
            result = app.acquire_token_for_client(scopes=[graph_scope(self.options['cloud'])])
        except requests.exceptions.RequestException as exc:
            raise GraphConnectionError(describe_connection_error(exc, authority)) from None
        except ValueError as exc:
            # MSAL raises ValueError when the authority's OpenID configuration cannot be read,
            # which is what an unknown tenant looks like.
            raise GraphAuthError('Could not use the login authority %s: %s Check tenant_id and authority_host.' % (
                authority, str(exc).split('\n', 1)[0])) from None
        if 'access_token' in result:
            return result['access_token']
        raise GraphAuthError(describe_token_error(result, self.options))


def describe_token_error(result: dict, options: dict) -> str:
    """One sentence from MSAL's error dict: Entra's AADSTS code, what it means, and the fix."""
    codes = result.get('error_codes') or []
    description = (result.get('error_description') or '').split('\r\n', 1)[0].split('\n', 1)[0]
    fix = next((AADSTS_FIXES[code] for code in codes if code in AADSTS_FIXES), None)
    message = 'Could not get a token for client_id %s in tenant %s: %s' % (
        options.get('client_id'), options.get('tenant_id'), result.get('error', 'unknown_error'))
    if description:
        message += ' (%s)' % description.rstrip('.')
    if fix:
        message += '; %s' % fix
    return message + '.'


class ClientSecretAuth(MsalConfidentialClientAuth):
    name = 'client_secret'

    def validate(self) -> None:
        super().validate()
        self._require('client_secret')

    def client_credential(self):
        return self.options['client_secret']


class NotYetAvailableAuth(AuthMethod):
    """Methods named in the interface whose implementation comes in a later release."""

    def validate(self) -> None:
        raise GraphAuthError('auth_method %s is not available in this release of graphops.msgraph; '
                             'use client_secret or access_token.' % self.name)


class ClientCertificateAuth(NotYetAvailableAuth):
    name = 'client_certificate'


class WorkloadIdentityAuth(NotYetAvailableAuth):
    name = 'workload_identity'


class ManagedIdentityAuth(NotYetAvailableAuth):
    name = 'managed_identity'


AUTH_METHOD_CLASSES = {cls.name: cls for cls in (
    ClientSecretAuth, ClientCertificateAuth, WorkloadIdentityAuth, ManagedIdentityAuth, AccessTokenAuth)}

# For auth_method: auto, the option that points to each method.
AUTO_SIGNALS = (
    ('access_token', 'access_token'),
    ('client_secret', 'client_secret'),
    ('client_certificate_path', 'client_certificate'),
    ('federated_token_file', 'workload_identity'),
)


def choose_auth_method_name(options: dict) -> str:
    """The method named by auth_method, or for auto the single one the given options point to."""
    if options.get('auth_method', 'auto') != 'auto':
        return options['auth_method']
    found = [(option, method) for option, method in AUTO_SIGNALS if options.get(option)]
    if len(found) == 1:
        return found[0][1]
    if not found:
        raise GraphAuthError('No credentials found: set client_secret (with tenant_id and client_id) or access_token, '
                             'or the environment variables AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; '
                             'or choose auth_method explicitly.')
    raise GraphAuthError('auth_method auto found credentials for more than one method (%s); set auth_method to the one to use.' % (
        ', '.join('%s from %s' % (method, option) for option, method in found)))


def build_auth_method(options: dict, session) -> AuthMethod:
    method = AUTH_METHOD_CLASSES[choose_auth_method_name(options)](options, session)
    method.validate()
    return method


class TokenProvider:
    """Gets one token per module run and keeps it in memory; refreshes once on request."""

    def __init__(self, method: AuthMethod):
        self.method = method
        self._token = None

    @property
    def can_refresh(self) -> bool:
        return self.method.can_refresh

    def get_token(self, force_refresh: bool = False) -> str:
        if self._token is None or force_refresh:
            self._token = self.method.acquire_token()
        return self._token
