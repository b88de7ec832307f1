# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The $batch protocol: request bodies, base64 both ways, reading inner errors (test_batch_runner: filling batches)."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import (
    MAX_BATCH_REQUESTS,
    BatchProtocolError,
    BatchRequest,
    build_batch_body,
    parse_batch_response,
    send_batch,
)

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, graph_error_body, inner

JPEG = b'\xff\xd8\xff\xe0' + bytes(range(256)) * 4


def get(item_id, user='alice@contoso.com'):
    return BatchRequest(id=str(item_id), method='GET', path='/users/%s/photo/$value' % user)


def test_a_read_is_id_method_and_relative_url_without_body():
    body = json.loads(build_batch_body([get(1)]))
    assert body == {'requests': [{'id': '1', 'method': 'GET', 'url': '/users/alice@contoso.com/photo/$value'}]}


def test_an_upload_carries_its_image_base64_encoded_with_its_content_type():
    put = BatchRequest(id='7', method='PUT', path='/groups/g1/photo/$value', body=JPEG, content_type='image/jpeg')
    entry = json.loads(build_batch_body([put]))['requests'][0]
    assert entry['headers'] == {'Content-Type': 'image/jpeg'}
    assert base64.b64decode(entry['body']) == JPEG
    assert entry['body'] != JPEG.decode('latin-1')


@pytest.mark.parametrize('requests, message', [
    ([], 'at least one'),
    ([get(n) for n in range(MAX_BATCH_REQUESTS + 1)], 'at most 20'),
    ([get(1), get(1, 'bob@contoso.com')], 'unique ids'),
])
def test_batches_graph_would_reject_are_never_built(requests, message):
    with pytest.raises(ValueError, match=message):
        build_batch_body(requests)


def test_binary_answers_are_base64_decoded_and_json_answers_kept():
    requests = [get(1), get(2, 'bob@contoso.com')]
    answers = parse_batch_response({'responses': [
        inner('2', 404, graph_error_body('ImageNotFound')),
        inner('1', 200, JPEG),
    ]}, requests)
    assert answers['1'].ok and answers['1'].body == JPEG
    assert answers['2'].status == 404 and answers['2'].body is None
    assert answers['2'].json_body['error']['code'] == 'ImageNotFound'


def test_an_inner_error_becomes_a_graph_error_with_its_retry_after():
    request = get(3)
    answer = parse_batch_response({'responses': [
        inner('3', 429, graph_error_body('TooManyRequests', 'slow down'), headers={'Retry-After': '2.5'})]}, [request])['3']
    error = answer.error(request)
    assert (error.status, error.code, error.retry_after, error.request_id) == (429, 'TooManyRequests', '2.5', 'req-TooManyRequests')
    assert error.path == request.path and error.method == 'GET'


@pytest.mark.parametrize('payload, message', [
    ({}, 'no "responses"'),
    ({'responses': [inner('1', 200, JPEG)]}, 'lacks the responses to 2'),
    ({'responses': [{'id': '1', 'status': 200, 'headers': {'Content-Type': 'image/jpeg'}, 'body': '***'},
                    inner('2', 200, JPEG)]}, 'not valid base64'),
])
def test_answers_that_break_the_protocol_are_reported(payload, message):
    with pytest.raises(BatchProtocolError, match=message):
        parse_batch_response(payload, [get(1), get(2, 'bob@contoso.com')])


def test_send_batch_posts_json_to_the_batch_endpoint():
    client = FakeBatchClient(lambda entry: inner(entry['id'], 200, JPEG))
    answers, token = send_batch(client, [get(1), get(2, 'bob@contoso.com')])
    assert sorted(answers) == ['1', '2']
    # The token the batch went with, for the caller to tell the provider what Graph made of it per inner request;
    # the envelope's 200 alone says nothing about it.
    assert token.value == 'token-1' and token.accepted is False
    assert [entry['id'] for entry in client.payloads[0]['requests']] == ['1', '2']
