# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auth and connection options every module shares (documented once in doc_fragments/auth.py)."""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError

AUTH_METHODS = ('auto', 'client_secret', 'client_certificate', 'workload_identity', 'managed_identity', 'access_token')
API_VERSIONS = ('v1.0', 'beta')

# The AZURE_* names are those azure-identity and AWX's built-in Azure credential set, so a job template
# works with the credential it already has.
AUTH_ARGUMENT_SPEC = dict(
    auth_method=dict(type='str', default='auto', choices=list(AUTH_METHODS)),
    tenant_id=dict(type='str', fallback=(env_fallback, ['AZURE_TENANT_ID', 'AZURE_TENANT'])),
    client_id=dict(type='str', fallback=(env_fallback, ['AZURE_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_CLIENT_SECRET', 'AZURE_SECRET'])),
    client_certificate_path=dict(type='path', fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PATH'])),
    client_certificate_password=dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PASSWORD'])),
    federated_token_file=dict(type='path', fallback=(env_fallback, ['AZURE_FEDERATED_TOKEN_FILE'])),
    access_token=dict(type='str', no_log=True, fallback=(env_fallback, ['GRAPH_ACCESS_TOKEN'])),
    # No default: a cloud not given (nor in AZURE_CLOUD) comes from AZURE_CLOUD_ENVIRONMENT, else global (resolve_cloud).
    cloud=dict(type='str', choices=sorted(CLOUDS), fallback=(env_fallback, ['AZURE_CLOUD'])),
    graph_endpoint=dict(type='str', fallback=(env_fallback, ['GRAPH_ENDPOINT'])),
    authority_host=dict(type='str', fallback=(env_fallback, ['AZURE_AUTHORITY_HOST'])),
    api_version=dict(type='str', default='v1.0', choices=list(API_VERSIONS)),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path', fallback=(env_fallback, ['REQUESTS_CA_BUNDLE'])),
    timeout=dict(type='float', default=30),
    retries=dict(type='int', default=5),
)


def auth_argument_spec() -> dict:
    """A fresh copy of the shared spec, so a module can add its own options without touching the shared one."""
    return {name: dict(spec) for name, spec in AUTH_ARGUMENT_SPEC.items()}


DEFAULT_CLOUD = 'global'
CLOUD_ENVIRONMENT_VARIABLE = 'AZURE_CLOUD_ENVIRONMENT'
# What AWX's Microsoft Azure Resource Manager credential injects as AZURE_CLOUD_ENVIRONMENT when its "Azure Cloud
# Environment" field is filled: azure.azcollection's cloud names (AzurePublicCloud is the older name of AzureCloud),
# matched without regard to case. The retired AzureGermanCloud is refused like any other name.
CLOUD_ENVIRONMENT_NAMES = (
    ('AzureCloud', 'global'),
    ('AzurePublicCloud', 'global'),
    ('AzureUSGovernment', 'usgov'),
    ('AzureChinaCloud', 'china'),
)


def resolve_cloud(cloud: str | None, environ=None) -> str:
    """The cloud to use: the option (or AZURE_CLOUD, its fallback), else AZURE_CLOUD_ENVIRONMENT, else global.

    Raises GraphOptionError for an AZURE_CLOUD_ENVIRONMENT that names no known cloud, before any request is sent:
    guessing global would send a US Government or China tenant's credentials to the global login host.
    """
    if cloud:
        return cloud
    environ = os.environ if environ is None else environ
    value = (environ.get(CLOUD_ENVIRONMENT_VARIABLE) or '').strip()
    if not value:
        return DEFAULT_CLOUD
    for name, known in CLOUD_ENVIRONMENT_NAMES:
        if value.lower() == name.lower():
            return known
    raise GraphOptionError('%s is "%s", which names no cloud these modules know: use %s (or set cloud, or AZURE_CLOUD, to one of %s; '
                           'either wins over %s).' % (
                               CLOUD_ENVIRONMENT_VARIABLE, value,
                               ', '.join('%s (%s)' % (name, known) for name, known in CLOUD_ENVIRONMENT_NAMES),
                               ', '.join(sorted(CLOUDS)), CLOUD_ENVIRONMENT_VARIABLE))
