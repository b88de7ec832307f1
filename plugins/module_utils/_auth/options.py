# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auth and connection options every module shares (documented once in doc_fragments/auth.py)."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS

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
    cloud=dict(type='str', default='global', choices=sorted(CLOUDS), fallback=(env_fallback, ['AZURE_CLOUD'])),
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
