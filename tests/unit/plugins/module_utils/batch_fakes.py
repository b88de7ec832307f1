# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Graph client for the batching tests: answers $batch POSTs from a handler, records every payload."""

from __future__ import annotations

import base64
import json
import threading
from types import SimpleNamespace

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


class FakeBatchClient:
    """handler(request_json) -> answer entry for each inner request; or raise to fail the whole POST."""

    def __init__(self, handler, *, retries=5):
        self.handler = handler
        self.payloads = []
        self.other_requests = []
        self.retry_messages = []
        self.transport = SimpleNamespace(policy=RetryPolicy(retries, sleep=lambda seconds: None),
                                         on_retry=self.retry_messages.append, session=None)
        self.token_provider = SimpleNamespace(can_refresh=True, refreshes=0, get_token=self._get_token)
        self._lock = threading.Lock()

    def _get_token(self, force_refresh=False):
        if force_refresh:
            self.token_provider.refreshes += 1
        return 'token'

    def request(self, method, path, *, data=None, headers=None, ok_statuses=(200, 201, 204)):
        if path != '/$batch':
            with self._lock:
                self.other_requests.append((method, path))
            raise AssertionError('only $batch requests are expected, got %s %s' % (method, path))
        payload = json.loads(data)
        with self._lock:
            self.payloads.append(payload)
        return FakeResponse({'responses': [self.handler(entry) for entry in payload['requests']]})

    @property
    def inner_requests(self):
        return [entry for payload in self.payloads for entry in payload['requests']]
