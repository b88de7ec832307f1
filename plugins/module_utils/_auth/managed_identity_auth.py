# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_identity method: the managed identity of the Azure resource the module runs on."""

from __future__ import annotations

import os

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import (
    AuthMethod,
    TimeoutHttpClient,
    first_line,
    graph_resource,
    msal,
    token_result,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import RequestException
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError

# The Azure VM metadata service, and MSAL's variable that moves it (meant for AAD Pod Identity).
IMDS_DEFAULT_HOST = 'http://169.254.169.254'
IMDS_HOST_ENV = 'AZURE_POD_IDENTITY_AUTHORITY_HOST'
# Managed identity endpoints are local to the machine: a short connect timeout turns "no endpoint here"
# into a quick, clear failure instead of a long wait.
MANAGED_IDENTITY_CONNECT_TIMEOUT = 5.0


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
        except RequestException as exc:
            raise GraphAuthError('No managed identity endpoint answered at %s (%s): run the module on an Azure resource that has a '
                                 'managed identity, or choose another auth_method.' % (source, type(exc).__name__)) from None
        except ValueError as exc:
            # msal.ManagedIdentityError, or an endpoint that answered something other than JSON.
            raise GraphAuthError('The managed identity endpoint, %s, did not give a token for %s (%s): check that the resource has '
                                 'that identity.' % (source, self.describe_identity(), str(exc).split('\n', 1)[0][:200])) from None
        if 'access_token' in result:
            # expires_in as MSAL normalises it, or expires_on when an endpoint answered only that (MSAL passes it on).
            return token_result(result)
        detail = first_line(result.get('error_description')).rstrip('.')[:300] or result.get('error', 'unknown_error')
        if detail.startswith('401'):
            fix = 'IDENTITY_HEADER must be the value the platform set; do not override it'
        else:
            fix = 'assign that identity to the resource (client_id selects a user-assigned one, no client_id the system-assigned one)'
        raise GraphAuthError('The managed identity endpoint, %s, refused a token for %s (%s): %s.' % (
            source, self.describe_identity(), detail, fix))
