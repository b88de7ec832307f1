# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph JSON batching ($batch): build the request body, read the answers (batch_runner.py fills the batches).

At most 20 requests per batch, each with an id unique in its batch. Image bodies travel base64-encoded with
their own Content-Type header, and binary response bodies come back base64-encoded; JSON bodies stay JSON.
Every inner request is throttled on its own, so a batch answered 200 may hold inner 429s: the caller retries
those per item (see batch_runner.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError, parse_error_envelope

MAX_BATCH_REQUESTS = 20
# A soft cap on the JSON body of one batch, so that uploads of large images do not build a body of 100 MB
# (20 x 4 MB, base64-encoded). A single request larger than this still goes, alone in its batch.
MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024
BATCH_PATH = '/$batch'


class BatchProtocolError(GraphModuleError):
    """Graph's answer to a $batch request is not the JSON shape the batching protocol describes."""


@dataclass(frozen=True)
class BatchRequest:
    """One inner request; path is relative to the version root, e.g. /users/alice@contoso.com/photo/$value."""

    id: str
    method: str
    path: str
    body: bytes | None = field(default=None, repr=False)
    content_type: str | None = None
    # What the throttling limit counts: the mailbox this request touches (see mailbox_limit.py).
    mailbox: str | None = None

    def to_json(self) -> dict:
        entry = {'id': self.id, 'method': self.method, 'url': self.path}
        if self.body is not None:
            entry['headers'] = {'Content-Type': self.content_type or 'application/octet-stream'}
            entry['body'] = base64.b64encode(self.body).decode('ascii')
        return entry

    @property
    def encoded_size(self) -> int:
        """About what this request adds to the batch body: base64 grows the image by a third."""
        size = 64 + len(self.path)
        if self.body is not None:
            size += 4 * ((len(self.body) + 2) // 3) + 64
        return size


@dataclass(frozen=True)
class BatchResponse:
    """The answer to one inner request. body is the decoded bytes (binary) or None; json_body the parsed JSON."""

    id: str
    status: int
    headers: dict
    body: bytes | None = field(default=None, repr=False)
    json_body: object = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry_after(self) -> str | None:
        return self.headers.get('retry-after')

    def error(self, request: BatchRequest) -> GraphError:
        """The inner error as a GraphError, read from Graph's envelope like a response of its own."""
        code, message, request_id = parse_error_envelope(self.json_body)
        if not code and not message:
            message = 'no error details in the batch response'
        return GraphError(status=self.status, code=code, message=message,
                          request_id=request_id or self.headers.get('request-id'),
                          method=request.method, path=request.path, retry_after=self.retry_after)


def build_batch_body(requests: list) -> bytes:
    """The JSON body of POST /$batch for up to MAX_BATCH_REQUESTS requests with unique ids."""
    if not requests:
        raise ValueError('A batch needs at least one request.')
    if len(requests) > MAX_BATCH_REQUESTS:
        raise ValueError('A batch holds at most %d requests; got %d.' % (MAX_BATCH_REQUESTS, len(requests)))
    ids = [request.id for request in requests]
    if len(set(ids)) != len(ids):
        # Graph rejects the whole batch with 400 when two requests share an id.
        raise ValueError('The requests of a batch need unique ids.')
    return json.dumps({'requests': [request.to_json() for request in requests]}, separators=(',', ':')).encode('utf-8')


def _decode_body(item_id: str, headers: dict, body):
    """Return (bytes or None, json or None) for one inner body."""
    if body is None:
        return None, None
    content_type = headers.get('content-type', '')
    if isinstance(body, (dict, list)):
        return None, body
    if not isinstance(body, str):
        raise BatchProtocolError('The body of batch response %s is neither JSON nor a base64 string.' % item_id)
    if 'json' in content_type:
        try:
            return None, json.loads(body)
        except ValueError:
            return body.encode('utf-8'), None
    try:
        return base64.b64decode(body, validate=True), None
    except (binascii.Error, ValueError):
        raise BatchProtocolError('The binary body of batch response %s is not valid base64.' % item_id) from None


def parse_batch_response(payload, requests: list) -> dict:
    """Map each request id to its BatchResponse; an answer missing from the batch is a protocol error."""
    if not isinstance(payload, dict) or not isinstance(payload.get('responses'), list):
        raise BatchProtocolError('The $batch answer has no "responses" list.')
    wanted = {request.id for request in requests}
    answers = {}
    for entry in payload['responses']:
        if not isinstance(entry, dict) or str(entry.get('id')) not in wanted:
            continue
        item_id = str(entry['id'])
        headers = {str(name).lower(): str(value) for name, value in (entry.get('headers') or {}).items()}
        try:
            status = int(entry.get('status'))
        except (TypeError, ValueError):
            raise BatchProtocolError('Batch response %s has no HTTP status.' % item_id) from None
        body, json_body = _decode_body(item_id, headers, entry.get('body'))
        answers[item_id] = BatchResponse(id=item_id, status=status, headers=headers, body=body, json_body=json_body)
    missing = wanted - set(answers)
    if missing:
        raise BatchProtocolError('The $batch answer lacks the responses to %s.' % ', '.join(sorted(missing)))
    return answers


def send_batch(client, requests: list, *, budget_lanes: tuple | None = None) -> tuple:
    """POST one batch through the client (outer retries, token renewal, errors).

    budget_lanes: the throttle gate's lanes its requests spend (a 429 for the whole batch closes them).

    Returns (id -> BatchResponse, the AccessToken the batch went with): Graph may refuse that token for each inner
    request as well as for the whole batch, and only the caller can tell the token provider which.
    """
    response, token = client.send('POST', BATCH_PATH, data=build_batch_body(requests),
                                  headers={'Content-Type': 'application/json', 'Accept': 'application/json'}, ok_statuses=(200,),
                                  answer_checks_token=False, budget_lanes=budget_lanes)
    try:
        payload = response.json()
    except ValueError:
        raise BatchProtocolError('The $batch answer is not JSON.') from None
    return parse_batch_response(payload, requests), token
