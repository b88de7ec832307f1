# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Auth and connection options shared by every module (the spec lives in module_utils/_auth/options.py)."""

    DOCUMENTATION = r'''
options:
  auth_method:
    description:
      - How to obtain the Microsoft Graph access token. Tokens are kept in memory only. A token is renewed before it
        expires (when the identity platform says it does) and whenever Graph refuses it as expired or revoked, as often
        as a long run needs; the requests it refused are sent again with the new token without counting against O(retries).
        A token given with O(access_token) cannot be renewed.
      - V(auto) picks the one method that the given options and environment point to, and fails with a list of
        what it found when they point to none or to more than one. O(access_token), O(client_secret),
        O(client_certificate_path) and O(federated_token_file) each point to their method; the environment variable
        E(IDENTITY_ENDPOINT) or E(MSI_ENDPOINT) points to V(managed_identity). O(tenant_id) and O(client_id) point to none.
      - V(client_secret) uses O(tenant_id), O(client_id) and O(client_secret) (client credentials flow, app-only token).
      - V(client_certificate) uses O(tenant_id), O(client_id) and the certificate in O(client_certificate_path), a PEM
        file holding the private key and the certificate, or a PFX file opened with O(client_certificate_password).
        The token request is signed with the key and carries the certificate's SHA-256 thumbprint.
      - V(workload_identity) uses O(tenant_id), O(client_id) and the federated token (a JWT) in O(federated_token_file),
        read again on every run, as on AKS workload identity or a CI job's OIDC token.
      - V(managed_identity) uses the managed identity of the Azure resource the module runs on, the system-assigned one
        or the user-assigned one whose client id is O(client_id). The endpoint is found as MSAL finds it
        (E(IDENTITY_ENDPOINT) and E(IDENTITY_HEADER) on App Service, Functions and Container Apps; Azure Arc;
        E(MSI_ENDPOINT) and E(MSI_SECRET); otherwise the Azure VM metadata service).
      - V(access_token) uses a token obtained elsewhere, given in O(access_token). Use it for the signed-in user (V(me) as user),
        which needs a delegated token.
    type: str
    default: auto
    choices: [auto, client_secret, client_certificate, workload_identity, managed_identity, access_token]
  tenant_id:
    description:
      - The Microsoft Entra tenant (directory) id or one of its domain names.
      - If not set, the environment variable E(AZURE_TENANT_ID) or E(AZURE_TENANT) is used.
    type: str
  client_id:
    description:
      - The application (client) id of the app registration.
      - With O(auth_method=managed_identity), the client id of a user-assigned managed identity; leave it unset for
        the system-assigned one.
      - If not set, the environment variable E(AZURE_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - A client secret of the app registration.
      - If not set, the environment variable E(AZURE_CLIENT_SECRET) or E(AZURE_SECRET) is used.
      - Never shown in output, results, diffs or logs.
    type: str
  client_certificate_path:
    description:
      - Path to a PEM file holding the private key and certificate, or a PFX (PKCS#12) file, of a certificate registered
        with the app. The file is read in memory; nothing is written to disk.
      - If not set, the environment variable E(AZURE_CLIENT_CERTIFICATE_PATH) is used.
    type: path
  client_certificate_password:
    description:
      - Password of the PFX file or of the encrypted private key in O(client_certificate_path).
      - If not set, the environment variable E(AZURE_CLIENT_CERTIFICATE_PASSWORD) is used.
      - Never shown in output, results, diffs or logs.
    type: str
  federated_token_file:
    description:
      - File holding a federated token (workload identity federation, for example on AKS or a CI runner).
      - The file is read on every run, so a token the platform renews in place is always the current one.
      - If not set, the environment variable E(AZURE_FEDERATED_TOKEN_FILE) is used.
    type: path
  access_token:
    description:
      - A Microsoft Graph access token obtained elsewhere. No tenant or client id is needed with it.
      - The module cannot renew it - when Graph refuses it as expired or revoked, the task fails and says to supply a fresh one.
        Prefer an O(auth_method) that gets its own tokens for runs that may outlast the token.
      - If not set, the environment variable E(GRAPH_ACCESS_TOKEN) is used.
      - Never shown in output, results, diffs or logs.
    type: str
  cloud:
    description:
      - The Microsoft cloud. It chooses the Graph host, the login host and the token scope together.
      - If not set, the environment variable E(AZURE_CLOUD) is used.
      - If neither is set, the environment variable E(AZURE_CLOUD_ENVIRONMENT), which AWX's Microsoft Azure Resource Manager
        credential sets, is used, matched without regard to case - V(AzureCloud) or V(AzurePublicCloud) mean V(global),
        V(AzureUSGovernment) means V(usgov), V(AzureChinaCloud) means V(china). Any other value fails before any request.
        Support for E(AZURE_CLOUD_ENVIRONMENT) was added in version 0.3.0.
      - If none of them is set, V(global).
    type: str
    choices: [global, usgov, usgov_dod, china]
  graph_endpoint:
    description:
      - Override the Graph base URL, without the version, for example V(https://127.0.0.1:8443).
      - The token scope still follows O(cloud).
      - If not set, the environment variable E(GRAPH_ENDPOINT) is used.
    type: str
  authority_host:
    description:
      - Override the login host, with its scheme, for example V(https://login.microsoftonline.us).
        The authority is C({authority_host}/{tenant_id}).
      - If not set, the environment variable E(AZURE_AUTHORITY_HOST) is used.
    type: str
  api_version:
    description:
      - The Graph API version to call.
    type: str
    default: v1.0
    choices: [v1.0, beta]
  validate_certs:
    description:
      - Verify the TLS certificates of Graph and the login host.
      - Set to V(false) only for a test service; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle to trust, for TLS inspection proxies and test services.
      - An explicit value wins over the environment variable E(REQUESTS_CA_BUNDLE), which is used when this is not set.
    type: path
  timeout:
    description:
      - Timeout of each HTTP request, in seconds.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after the first attempt when Graph answers 429, 503 or 504 or the
        connection fails. C(Retry-After) is honoured.
      - A request Graph refused because its token had expired or was revoked is sent again with the renewed token; that
        does not count as a retry.
    type: int
    default: 5
requirements:
  - python >= 3.9
  - requests
  - msal (1.35 or later for O(auth_method=client_certificate))
  - cryptography (for O(auth_method=client_certificate); installed with msal)
notes:
  - The modules run where the API calls are made, usually C(localhost) or an execution environment.
  - The proxy environment variables (E(HTTPS_PROXY), E(NO_PROXY)) are honoured.
  - The environment variables of AWX's built-in Microsoft Azure Resource Manager credential (E(AZURE_TENANT),
    E(AZURE_CLIENT_ID), E(AZURE_SECRET)) are enough to authenticate with O(auth_method=auto), and its
    E(AZURE_CLOUD_ENVIRONMENT) chooses the national cloud.
  - See R(Authentication, ansible_collections.graphops.msgraph.docsite.authentication) for each method, the Graph permissions to grant and known limits.
'''
