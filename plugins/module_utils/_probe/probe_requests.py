# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every request the probe sends goes through ProbeRequests: writes are refused in check mode (by construction, the
probe then sends reads only), each write says whether it may have changed its principal, and the names of the
throttling headers of every answer (retried ones too) are recorded, never their values or any other header."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure, BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError

# Throttling-related answer headers ("Microsoft Graph throttling guidance", "service-specific throttling limits").
THROTTLE_HEADER_PREFIXES = ('retry-after', 'x-ms-resource-unit', 'x-ms-throttle', 'ratelimit', 'x-ratelimit')


def is_throttle_header(name: str) -> bool:
    return name.lower().startswith(THROTTLE_HEADER_PREFIXES)


class ProbeCheckModeError(GraphModuleError):
    """A write was asked for in check mode: a bug, never sent."""


class HeaderNameRecorder:
    """Wraps the transport's session: every answer's throttling header names are kept (the values are not)."""

    def __init__(self, session):
        self._session = session
        self.names = set()

    def request(self, method, url, *args, **kwargs):
        response = self._session.request(method, url, *args, **kwargs)
        self.names.update(name.lower() for name in response.headers if is_throttle_header(name))
        return response

    def __getattr__(self, name):
        return getattr(self._session, name)


class ProbeRequests:
    def __init__(self, client, *, check_mode: bool):
        self.client = client
        self.check_mode = check_mode
        self.headers = HeaderNameRecorder(client.transport.session)
        client.transport.session = self.headers
        self.touched = set()  # the photo paths a write may have changed and that are not put back yet
        self.writes_sent = 0

    def get(self, path: str):
        return self.client.request('GET', path)

    def _guard(self, path: str) -> None:
        if self.check_mode:
            raise ProbeCheckModeError('The probe tried to write %s in check mode; nothing was sent.' % path)
        self.touched.add(path)
        self.writes_sent += 1

    def put_photo(self, value_path: str, data: bytes, content_type: str):
        self._guard(value_path)
        try:
            return self.client.request('PUT', value_path, data=data, headers={'Content-Type': content_type})
        except GraphError as error:
            if error.status in (401, 403):  # refused before anything was stored
                self.touched.discard(value_path)
            raise

    def delete_photo(self, value_path: str):
        self._guard(value_path)
        return self.client.request('DELETE', value_path)

    def batch_put_photo(self, value_path: str, data: bytes, content_type: str):
        """One photo PUT inside $batch, sent as the sync sends it (BatchRunner: the run's throttle gate, the inner
        request retried on its own); the inner BatchResponse. A batch that failed as a whole raises BatchItemFailure."""
        self._guard(value_path)
        request = BatchRequest(id='1', method='PUT', path=value_path, body=data, content_type=content_type)
        answer = BatchRunner(self.client).run([request])[request.id]
        if isinstance(answer, BatchItemFailure):
            raise answer
        self.headers.names.update(name.lower() for name in answer.headers if is_throttle_header(name))
        return answer

    def throttle_header_names(self) -> list:
        return sorted(self.headers.names)
