# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access_token method: a token obtained elsewhere, used as given and never renewed."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.auth_method import AuthMethod


class AccessTokenAuth(AuthMethod):
    """A token obtained elsewhere (for example a delegated token for user: me)."""

    name = 'access_token'
    can_refresh = False

    def validate(self) -> None:
        self._require('access_token')

    def acquire_token(self) -> dict:
        # No expiry known: a given token is used until Graph refuses it, and then it cannot be renewed.
        return {'access_token': self.options['access_token']}

    @property
    def is_app_only(self) -> bool:
        # Opaque to us: we never decode tokens, so Graph decides whether it is delegated.
        return False
