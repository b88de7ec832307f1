# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client_certificate method: a certificate registered with the app (PEM with its key, or PFX)."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import msal, msal_version
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.msal_client_auth import MsalConfidentialClientAuth
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError


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
