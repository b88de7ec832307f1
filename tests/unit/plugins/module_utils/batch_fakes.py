# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Graph client for the batching tests: answers $batch POSTs from a handler, records every payload.

Its token provider is the real one (token_provider.TokenProvider) over CountingTokens, which numbers its tokens.
"""

from __future__ import annotations

import base64
import json
import threading
from types import SimpleNamespace

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.token_provider import TokenProvider
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import RetryPolicy


class FakeResponse:
    def __init__(self, payload):
        self._payload = payload

    def json(self):
        return self._payload


def inner(item_id, status, body=None, headers=None):
    """One entry of a $batch answer; bytes bodies are base64-encoded as Graph does."""
    entry = {'id': item_id, 'status': status, 'headers': dict(headers or {})}
    if isinstance(body, bytes):
        entry['headers'].setdefault('Content-Type', 'image/jpeg')
        entry['body'] = base64.b64encode(body).decode('ascii')
    elif body is not None:
        entry['headers'].setdefault('Content-Type', 'application/json')
        entry['body'] = body
    return entry


def graph_error_body(code, message='m'):
    return {'error': {'code': code, 'message': message, 'innerError': {'request-id': 'req-%s' % code}}}


def concurrency_429_body():
    """Outlook's 429 for more than 4 requests in flight to one mailbox: not a budget's (retried per item)."""
    return graph_error_body('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.')


class CountingTokens:
    """An auth method that gives token-1, token-2, ... (each with expires_in when lifetime is given)."""

    name = 'client_secret'
    is_app_only = True

    def __init__(self, *, lifetime=None, can_refresh=True):
        self.lifetime = lifetime
        self.can_refresh = can_refresh
        self.count = 0
        self._lock = threading.Lock()

    def acquire_token(self):
        with self._lock:
            self.count += 1
            result = {'access_token': 'token-%d' % self.count}
        if self.lifetime is not None:
            result['expires_in'] = self.lifetime
        return result


class FakeBatchClient:
    """handler(request_json) -> answer entry for each inner request; or raise to fail the whole POST.

    handler_takes_token: the handler is called as handler(request_json, token value the batch went with).
    """

    def __init__(self, handler, *, retries=5, handler_takes_token=False):
        self.handler = handler
        self.handler_takes_token = handler_takes_token
        self.payloads = []
        self.other_requests = []
        self.retry_messages = []
        self.transport = SimpleNamespace(policy=RetryPolicy(retries, sleep=lambda seconds: None),
                                         on_retry=self.retry_messages.append, session=None)
        self.tokens = CountingTokens()
        self.token_provider = TokenProvider(self.tokens)
        # The token each payload went with (its value), in the order of self.payloads.
        self.sent_with = []
        self._lock = threading.Lock()

    def request(self, method, path, *, data=None, headers=None, ok_statuses=(200, 201, 204)):
        return self.send(method, path, data=data, headers=headers, ok_statuses=ok_statuses)[0]

    def send(self, method, path, *, data=None, headers=None, ok_statuses=(200, 201, 204), answer_checks_token=True, budget_lanes=None):
        if path != '/$batch':
            with self._lock:
                self.other_requests.append((method, path))
            raise AssertionError('only $batch requests are expected, got %s %s' % (method, path))
        token = self.token_provider.current()
        payload = json.loads(data)
        with self._lock:
            self.payloads.append(payload)
            self.sent_with.append(token.value)
        answers = [self.handler(entry, token.value) if self.handler_takes_token else self.handler(entry) for entry in payload['requests']]
        return FakeResponse({'responses': answers}), token

    @property
    def inner_requests(self):
        return [entry for payload in self.payloads for entry in payload['requests']]


class FakeClock:
    """A clock and its sleep for code that takes clock= and sleep=: sleeping moves the time on at once."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds
