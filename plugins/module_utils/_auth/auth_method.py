# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every auth method shares: the AuthMethod base (validate() fails early with a clear message,
acquire_token() gets a token), the login authority and Graph resource of the cloud, and msal, imported lazily.

Each token comes through a fresh MSAL object whose cache lives in memory only: nothing is written to disk, and a
token asked for after Graph refused the last one is a new one, never the refused one from MSAL's cache. When to ask
is the TokenProvider's business (token_provider.py). Every failure is a GraphAuthError whose text is one sentence
with the fix and never holds a secret (no client secret, key, password, federated token or access token).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError
from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import (
    LazyModule,
    library_found,
    library_import_error,
)

# Imported when a method that uses it is validated: a task given access_token never does.
HAS_MSAL = library_found('msal')
msal = LazyModule('msal')


def msal_version() -> tuple:
    parts = []
    for part in getattr(msal, '__version__', '0').split('.')[:2]:
        digits = ''.join(character for character in part if character.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def login_host(options: dict) -> str:
    """authority_host, or the cloud's login host; always with its scheme and without a trailing slash."""
    host = (options.get('authority_host') or CLOUDS[options['cloud']].authority_host).rstrip('/')
    if not urlsplit(host).scheme:
        raise GraphAuthError('authority_host must include its scheme, for example https://login.microsoftonline.com (got %s).' % host)
    return host


def login_authority(options: dict) -> str:
    return '%s/%s' % (login_host(options), options['tenant_id'])


def graph_resource(options: dict) -> str:
    """The resource a managed identity token is asked for: Graph of the cloud, never graph_endpoint."""
    return CLOUDS[options['cloud']].graph_resource


class TimeoutHttpClient:
    """Gives MSAL's requests a timeout: MSAL sends none when it is handed its http_client."""

    def __init__(self, session, timeout):
        self.session = session
        self.timeout = timeout

    def get(self, url, *args, **kwargs):
        kwargs.setdefault('timeout', self.timeout)
        return self.session.get(url, *args, **kwargs)

    def post(self, url, *args, **kwargs):
        kwargs.setdefault('timeout', self.timeout)
        return self.session.post(url, *args, **kwargs)

    def close(self):
        """The session belongs to the module run, which closes it."""


# What acquire_token() keeps of MSAL's answer: the token and what says when it expires (token_provider.token_expiry).
TOKEN_RESULT_KEYS = ('access_token', 'expires_in', 'expires_on', 'refresh_on')


def token_result(result: dict) -> dict:
    return {key: result[key] for key in TOKEN_RESULT_KEYS if key in result}


class AuthMethod:
    """Base: validate() fails early with a clear message; acquire_token() returns {'access_token', and the expiry
    the identity platform gave: 'expires_in' and/or 'expires_on', MSAL's 'refresh_on'}."""

    name = ''
    can_refresh = True

    def __init__(self, options: dict, session):
        """session: what MSAL sends through, the module's RetryingTransport (anything with get/post/close)."""
        self.options = options
        self.session = session

    def validate(self) -> None:
        raise NotImplementedError

    def acquire_token(self) -> dict:
        raise NotImplementedError

    def _require(self, *names: str) -> None:
        missing = [name for name in names if not self.options.get(name)]
        if missing:
            raise GraphAuthError('auth_method %s needs %s; set %s or the matching environment variable.' % (
                self.name, ', '.join(missing), ' and '.join(missing)))

    def _require_msal(self) -> None:
        if not HAS_MSAL or library_import_error('msal') is not None:
            raise GraphAuthError('auth_method %s needs the Python library msal: pip install msal.' % self.name)

    @property
    def is_app_only(self) -> bool:
        """True for methods that can only give an app-only token (no signed-in user, so no /me)."""
        return True


def first_line(description: str | None) -> str:
    """Entra's error description without its trace, correlation id and timestamp lines."""
    text = (description or '').split('\r\n', 1)[0].split('\n', 1)[0]
    return text.split(' Trace ID:', 1)[0].strip()
