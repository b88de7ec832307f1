# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors raised by the shared code; modules turn them into one sentence with fail_json."""

from __future__ import annotations


class GraphModuleError(Exception):
    """Root of every error the shared code raises for the user; str() is one sentence, safe to show (never a secret).

    Modules catch this one class and hand it to GraphModule.fail_on_error, which turns it into fail_json.
    """


class GraphOptionError(GraphModuleError):
    """An option's value cannot be used; the message names the option, the problem and the fix."""


class GraphAuthError(GraphModuleError):
    """No token could be obtained (bad credentials, unknown tenant, missing options)."""


class GraphConnectionError(GraphModuleError):
    """Graph or the login host could not be reached (DNS, refused, TLS, timeout)."""


class GraphError(GraphModuleError):
    """Graph answered with an error status.

    Built from the response's JSON envelope {"error": {"code", "message", "innerError": {"request-id"}}}.
    Holds no headers: they carry the bearer token.
    """

    def __init__(self, *, status: int, code: str | None, message: str | None, request_id: str | None,
                 method: str, path: str, retry_after: str | None = None):
        self.status = status
        self.code = code
        self.graph_message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self) -> str:
        """HTTP 403 Authorization_RequestDenied (Insufficient privileges ...), request-id abc."""
        parts = ['HTTP %d' % self.status]
        if self.code:
            parts.append(' %s' % self.code)
        if self.graph_message:
            parts.append(' (%s)' % self.graph_message.rstrip('.'))
        if self.request_id:
            parts.append(', request-id %s' % self.request_id)
        return ''.join(parts)

    @classmethod
    def from_response(cls, response, *, method: str, path: str) -> 'GraphError':
        """Read Graph's error envelope; tolerate bodies that are not JSON (proxies, load balancers)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        code, message, request_id = parse_error_envelope(body)
        request_id = request_id or response.headers.get('request-id')
        if not message and not code:
            message = (response.text or '').strip()[:200] or response.reason
        return cls(status=response.status_code, code=code, message=message, request_id=request_id,
                   method=method, path=path, retry_after=response.headers.get('Retry-After'))


class GraphTokenRefused(GraphError):
    """Graph refused the token (401 InvalidAuthenticationToken) and it cannot be replaced: a given access_token, or
    freshly issued tokens refused one after the other. str() is the 401 and what to do about it."""

    def __init__(self, *, hint: str, **fields):
        self.hint = hint
        super().__init__(**fields)

    def describe(self) -> str:
        return super().describe() + self.hint

    @classmethod
    def from_error(cls, error: GraphError, hint: str) -> 'GraphTokenRefused':
        return cls(hint=hint, status=error.status, code=error.code, message=error.graph_message, request_id=error.request_id,
                   method=error.method, path=error.path, retry_after=error.retry_after)

    def copy(self) -> 'GraphTokenRefused':
        return self.from_error(self, self.hint)


def parse_error_envelope(body) -> tuple:
    """(code, message, request-id) from {"error": {"code", "message", "innerError": {"request-id"}}}, or Nones."""
    error = body.get('error') if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, None
    inner = error.get('innerError') or error.get('innererror') or {}
    request_id = inner.get('request-id') if isinstance(inner, dict) else None
    return error.get('code'), error.get('message'), request_id
