# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client_secret method: the app registration's client secret."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.msal_client_auth import MsalConfidentialClientAuth


class ClientSecretAuth(MsalConfidentialClientAuth):
    name = 'client_secret'

    def validate(self) -> None:
        super().validate()
        self._require('client_secret')

    def client_credential(self):
        return self.options['client_secret']
