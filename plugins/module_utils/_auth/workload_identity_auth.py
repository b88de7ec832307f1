# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workload_identity method: a federated token file (AKS, CI OIDC) as the client assertion."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.msal_client_auth import MsalConfidentialClientAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError


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
