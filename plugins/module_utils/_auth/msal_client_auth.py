# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three client credential methods (client secret, certificate, workload identity) share: MSAL's
ConfidentialClientApplication, and Entra's AADSTS errors explained as one sentence with the fix."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import (
    AuthMethod,
    TimeoutHttpClient,
    first_line,
    login_authority,
    login_host,
    msal,
    token_result,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import KNOWN_AUTHORITY_HOSTS, graph_scope
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import RequestException, describe_connection_error
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError, GraphConnectionError

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
        except RequestException as exc:
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


def describe_token_error(result: dict, options: dict, hint: str | None = None) -> str:
    """One sentence from MSAL's error dict: Entra's AADSTS code, what it means, and the fix."""
    codes = result.get('error_codes') or []
    description = first_line(result.get('error_description'))
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
