# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refused uploads explained: 404/413 for users without a mailbox, app-only group writes; single and bulk paths."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchResponse
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.bulk_writer import BatchPhotoWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    ACTION_SET,
    PhotoOperationError,
    PhotoPlan,
    PhotoWriter,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options

CAROL = target_from_options(user='carol@contoso.com')
GROUP = target_from_options(group='g1')
TEAM = target_from_options(team='t1')


def upload(size, prepared):
    return SimpleNamespace(data=b'x' * size, content_type='image/png', prepared=prepared, facts=None)


def error(status, code, message='m'):
    return GraphError(status=status, code=code, message=message, request_id='req-1', method='PUT', path='/x')


class RefusingClient:
    def __init__(self, answer):
        self.answer = answer

    def request(self, method, path, data=None, headers=None):
        raise self.answer


class FakeRunner:
    """Answers every inner request of a batch with one status and error body."""

    def __init__(self, status, code):
        self.status = status
        self.code = code

    def run(self, requests):
        return {request.id: BatchResponse(id=request.id, status=self.status, headers={},
                                          json_body={'error': {'code': self.code, 'message': 'm', 'innerError': {'request-id': 'req-1'}}})
                for request in requests}


def single_message(target, source, status, code):
    plan = PhotoPlan(target, ACTION_SET, None, None, source)
    with pytest.raises(PhotoOperationError) as caught:
        PhotoWriter(RefusingClient(error(status, code)), check_mode=False).apply(plan)
    return str(caught.value)


def bulk_message(target, source, status, code):
    plan = PhotoPlan(target, ACTION_SET, None, None, source)
    return BatchPhotoWriter(FakeRunner(status, code), check_mode=False).apply({1: plan})[1]


@pytest.fixture(params=['single', 'bulk'])
def message_of(request):
    return single_message if request.param == 'single' else bulk_message


def test_a_404_answering_a_large_upload_is_explained(message_of):
    message = message_of(CAROL, upload(300 * 1024, False), 404, 'ResourceNotFound')
    assert message.startswith('Could not set the photo of users/carol@contoso.com: HTTP 404 ResourceNotFound (m), request-id req-1.')
    assert 'could be read just before, so it exists' in message
    assert 'users without an Exchange mailbox' in message and 'about 100 KB' in message
    assert 'microsoft-graph-docs issue 8236' in message
    assert 'The upload was 307200 bytes (300 KB, src as it is).' in message
    assert 'Use prepare: auto (the default) or always' in message
    assert 'was not found: check the id' not in message


def test_a_404_answering_a_small_upload_does_not_blame_the_size(message_of):
    message = message_of(CAROL, upload(90 * 1024, True), 404, 'ResourceNotFound')
    assert 'The upload was 92160 bytes (90 KB, prepared from src).' in message
    assert 'within the limit' in message
    assert 'Use prepare: auto' not in message


def test_a_413_names_the_size_and_the_fix(message_of):
    message = message_of(CAROL, upload(300 * 1024, False), 413, 'RequestEntityTooLarge')
    assert 'about 100 KB for users without an Exchange mailbox' in message
    assert 'the upload was 307200 bytes (300 KB, src as it is).' in message
    assert 'Use prepare: auto (the default) or always' in message


@pytest.mark.parametrize('target', [GROUP, TEAM], ids=['group', 'team'])
def test_app_only_group_update_refusal_asks_for_a_delegated_token(message_of, target):
    message = message_of(target, upload(1000, False), 403, 'AppOnlyTokenNotSupportedForGroupUpdate')
    assert 'HTTP 403 AppOnlyTokenNotSupportedForGroupUpdate' in message
    assert 'Graph refuses to change group photos with an app-only token' in message
    assert 'microsoft-graph-docs-contrib issue 1802' in message
    assert 'use a delegated token (access_token of a signed-in user' in message


def test_a_404_on_a_read_still_says_not_found():
    message = describe_photo_error(CAROL, 'read', error(404, 'Request_ResourceNotFound'))
    assert message.endswith('users/carol@contoso.com was not found: check the id or userPrincipalName.')
    assert 'mailbox' not in message
