# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which auth method a task uses: the one auth_method names, or for auto the single one the options and the
environment point to; then that method, validated. One class per method, each in its own file."""

from __future__ import annotations

import os

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.access_token_auth import AccessTokenAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import AuthMethod
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.client_certificate_auth import ClientCertificateAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.client_secret_auth import ClientSecretAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.managed_identity_auth import ManagedIdentityAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.workload_identity_auth import WorkloadIdentityAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError

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
