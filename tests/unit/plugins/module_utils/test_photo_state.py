# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision and the single write path, with a fake client that records every request."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import SourceImage
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import photo_facts_from_bytes
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    ACTION_NONE,
    ACTION_REMOVE,
    ACTION_SET,
    PhotoOperationError,
    PhotoWriter,
    check_deletable,
    fetch_current_photo,
    needs_size_for_upgrade,
    plan_photo,
    upgrade_or_keep,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import check_replace_smaller_than
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options


def picture(colour, size=(300, 300), fmt='PNG', quality=90) -> bytes:
    image = Image.new('RGB', size, colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, size[0] - 60, size[1] - 90), fill='white')
    draw.rectangle((0, size[1] - 50, size[0], size[1]), fill='black')
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=quality)
    return buffer.getvalue()


def source(data: bytes, *, prepared=False, reasons=()):
    return SourceImage(path='photo.png', data=data, content_type='image/png', facts=photo_facts_from_bytes(data),
                       prepared=prepared, reasons=reasons)


def graph_error(status, code, message='m'):
    return GraphError(status=status, code=code, message=message, request_id='req-1', method='GET', path='/x')


class RecordingClient:
    """Records requests; answers from a table keyed by method."""

    def __init__(self, answers=None):
        self.requests = []
        self.answers = answers or {}

    def request(self, method, path, data=None, headers=None):
        self.requests.append((method, path, headers))
        answer = self.answers.get(method)
        if isinstance(answer, Exception):
            raise answer
        return answer


USER = target_from_options(user='alice@contoso.com')
TEAM = target_from_options(team='t1')
CONTACT = target_from_options(user='alice@contoso.com', contact='c1')
BLUE = picture('royalblue')
RED = picture('crimson')


def test_same_picture_after_a_rewrite_plans_nothing():
    rewritten = photo_facts_from_bytes(picture('royalblue', fmt='JPEG', quality=80))
    plan = plan_photo(USER, rewritten, state='present', source=source(BLUE))
    assert plan.action == ACTION_NONE and not plan.changed


def test_different_picture_or_no_photo_plans_a_set():
    assert plan_photo(USER, photo_facts_from_bytes(RED), state='present', source=source(BLUE)).action == ACTION_SET
    plan = plan_photo(USER, None, state='present', source=source(BLUE))
    assert plan.action == ACTION_SET and plan.before is None and plan.after.content_type == 'image/png'


def test_absent_plans_a_remove_only_when_there_is_a_photo():
    assert plan_photo(USER, None, state='absent').action == ACTION_NONE
    assert plan_photo(USER, photo_facts_from_bytes(RED), state='absent').action == ACTION_REMOVE


def test_contact_photos_cannot_be_removed():
    with pytest.raises(PhotoOperationError, match='Graph cannot delete the photo of users/alice@contoso.com/contacts/c1'):
        check_deletable(CONTACT)


@pytest.mark.parametrize('plan_args', [
    dict(target=USER, current=None, state='present', source=source(BLUE)),
    dict(target=USER, current=photo_facts_from_bytes(RED), state='present', source=source(BLUE)),
    dict(target=USER, current=photo_facts_from_bytes(RED), state='absent'),
    dict(target=TEAM, current=photo_facts_from_bytes(RED), state='absent'),
], ids=['set-new', 'replace', 'remove', 'remove-team'])
def test_check_mode_sends_no_request_and_reports_the_real_changed(plan_args):
    target, current = plan_args.pop('target'), plan_args.pop('current')
    plan = plan_photo(target, current, **plan_args)
    checking = RecordingClient()
    assert PhotoWriter(checking, check_mode=True).apply(plan) is True
    assert checking.requests == []
    real = RecordingClient()
    assert PhotoWriter(real, check_mode=False).apply(plan) is True
    assert len(real.requests) == 1


def test_writes_go_to_the_right_url_with_the_real_content_type():
    client = RecordingClient()
    PhotoWriter(client, check_mode=False).apply(plan_photo(USER, None, state='present', source=source(BLUE)))
    assert client.requests == [('PUT', '/users/alice@contoso.com/photo/$value', {'Content-Type': 'image/png'})]
    client = RecordingClient()
    PhotoWriter(client, check_mode=False).apply(plan_photo(TEAM, photo_facts_from_bytes(RED), state='absent'))
    assert client.requests == [('DELETE', '/groups/t1/photo/$value', None)]


def test_unchanged_plan_sends_nothing():
    client = RecordingClient()
    assert PhotoWriter(client, check_mode=False).apply(plan_photo(USER, None, state='absent')) is False
    assert client.requests == []


@pytest.mark.parametrize('code', ['ImageNotFound', 'ErrorItemNotFound'])
def test_no_photo_is_not_an_error(code):
    assert fetch_current_photo(RecordingClient({'GET': graph_error(404, code)}), USER) is None


def test_current_photo_facts_are_read_from_the_value():
    client = RecordingClient({'GET': SimpleNamespace(content=RED)})
    facts = fetch_current_photo(client, USER)
    assert facts.content_type == 'image/png' and (facts.width, facts.height) == (300, 300)
    assert client.requests[0][:2] == ('GET', '/users/alice@contoso.com/photo/$value')


@pytest.mark.parametrize('status, code, operation, expected', [
    (404, 'Request_ResourceNotFound', 'read',
     'Could not read the photo of users/alice@contoso.com: HTTP 404 Request_ResourceNotFound (m), request-id req-1. '
     'users/alice@contoso.com was not found: check the id or userPrincipalName.'),
    (403, 'Authorization_RequestDenied', 'set',
     'Could not set the photo of users/alice@contoso.com: HTTP 403 Authorization_RequestDenied (m), request-id req-1. '
     'The operation needs the Graph permission ProfilePhoto.ReadWrite.All (or User.ReadWrite.All), granted with admin consent.'),
    (403, 'Authorization_RequestDenied', 'read', 'needs the Graph permission ProfilePhoto.Read.All (or User.Read.All)'),
])
def test_graph_errors_become_one_sentence(status, code, operation, expected):
    client = RecordingClient({'GET': graph_error(status, code), 'PUT': graph_error(status, code)})
    with pytest.raises(PhotoOperationError) as caught:
        if operation == 'read':
            fetch_current_photo(client, USER)
        else:
            PhotoWriter(client, check_mode=False).apply(plan_photo(USER, None, state='present', source=source(BLUE)))
    assert expected in str(caught.value)


def test_app_only_group_denial_mentions_the_known_issue():
    group = target_from_options(group='g1')
    client = RecordingClient({'PUT': graph_error(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')})
    with pytest.raises(PhotoOperationError) as caught:
        PhotoWriter(client, check_mode=False).apply(plan_photo(group, None, state='present', source=source(BLUE)))
    assert 'ProfilePhoto.ReadWrite.All (or Group.ReadWrite.All)' in str(caught.value)
    assert 'known issue with group photos and app-only tokens' in str(caught.value)


@pytest.mark.parametrize('content, message', [
    (b'', 'Graph returned an empty photo for users/alice@contoso.com.'),
    (b'\xff\xd8\xff\xe0 not really a jpeg', 'Graph returned a photo for users/alice@contoso.com that cannot be decoded'),
], ids=['empty', 'undecodable'])
def test_a_photo_graph_serves_but_that_cannot_be_read_is_one_sentence(content, message):
    with pytest.raises(PhotoOperationError) as caught:
        fetch_current_photo(RecordingClient({'GET': SimpleNamespace(content=content)}), USER)
    assert str(caught.value).startswith(message)


# --- force: false sets a photo only where there is none ---

def test_force_false_keeps_an_existing_photo_without_comparing():
    plan = plan_photo(USER, photo_facts_from_bytes(RED), state='present', source=source(BLUE), force=False)
    assert plan.action == ACTION_NONE and not plan.changed and plan.kept_existing
    assert plan.before.sha256 == plan.after.sha256 == photo_facts_from_bytes(RED).sha256
    client = RecordingClient()
    assert PhotoWriter(client, check_mode=False).apply(plan) is False
    assert client.requests == []


def test_force_false_sets_a_photo_where_there_is_none():
    plan = plan_photo(USER, None, state='present', source=source(BLUE), force=False)
    assert plan.action == ACTION_SET and not plan.kept_existing


def test_force_true_replaces_a_different_photo():
    plan = plan_photo(USER, photo_facts_from_bytes(RED), state='present', source=source(BLUE), force=True)
    assert plan.action == ACTION_SET and not plan.kept_existing


def test_force_false_does_not_stop_state_absent():
    assert plan_photo(USER, photo_facts_from_bytes(RED), state='absent', force=False).action == ACTION_REMOVE


def test_plans_carry_the_upload_for_state_present_only():
    prepared = source(BLUE, prepared=True, reasons=('transparency',))
    assert plan_photo(USER, None, state='present', source=prepared).upload == {'prepared': True, 'reasons': ['transparency']}
    assert plan_photo(USER, photo_facts_from_bytes(BLUE), state='present', source=source(BLUE)).upload == {
        'prepared': False, 'reasons': []}
    assert plan_photo(USER, photo_facts_from_bytes(RED), state='absent').upload is None


def test_the_sync_reason_says_why_an_existing_photo_was_kept():
    from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import describe_reason

    kept = plan_photo(USER, photo_facts_from_bytes(RED), state='present', source=source(BLUE), force=False)
    assert describe_reason(kept, compare='perceptual') == 'a photo is already set; kept because force is false'
    same = plan_photo(USER, photo_facts_from_bytes(BLUE), state='present', source=source(BLUE), force=False)
    assert describe_reason(same, compare='perceptual') == 'a photo is already set; kept because force is false'
    assert describe_reason(plan_photo(USER, None, state='present', source=source(BLUE), force=False), compare='perceptual') == 'no photo yet'


# --- replace_smaller_than: upgrade small photos, keep the others ---
@pytest.mark.parametrize('largest_side, upgraded, words', [
    (96, True, 'replaced: its largest side, 96 px, is smaller than replace_smaller_than (200)'),
    (199, True, 'replaced: its largest side, 199 px, is smaller'),
    (200, False, 'kept: its largest side, 200 px, is not smaller than replace_smaller_than (200)'),
    (648, False, 'kept: its largest side, 648 px'),
    (None, False, 'kept: Graph did not give its size'),
])
def test_replace_smaller_than_upgrades_only_a_smaller_photo(largest_side, upgraded, words):
    target = target_from_options(user='alice@contoso.com')
    current = photo_facts_from_bytes(picture('navy'))
    plan = plan_photo(target, current, state='present', source=source(picture('darkred')))
    assert needs_size_for_upgrade(plan, 200)
    decided = upgrade_or_keep(plan, largest_side=largest_side, replace_smaller_than=200)
    assert decided.upgrade['upgraded'] is upgraded and decided.upgrade['reason'].startswith(words)
    assert decided.upgrade['largest_side'] == largest_side and decided.upgrade['replace_smaller_than'] == 200
    if upgraded:
        assert decided.action == ACTION_SET and decided.after is plan.after and not decided.kept_larger
    else:
        assert decided.action == ACTION_NONE and decided.after is current and decided.kept_larger
        # Nothing is written for a photo kept.
        client = RecordingClient()
        assert PhotoWriter(client, check_mode=False).apply(decided) is False and client.requests == []


@pytest.mark.parametrize('current_colour, replace_smaller_than', [
    (None, 200),  # no photo yet: set, whatever the option says
    ('navy', 200),  # the photo already shows the file: nothing to do
    ('darkred', None),  # the option is not given
])
def test_replace_smaller_than_needs_no_size_when_nothing_would_be_replaced(current_colour, replace_smaller_than):
    target = target_from_options(user='alice@contoso.com')
    current = photo_facts_from_bytes(picture(current_colour)) if current_colour else None
    plan = plan_photo(target, current, state='present', source=source(picture('navy')))
    assert not needs_size_for_upgrade(plan, replace_smaller_than)
    assert upgrade_or_keep(plan, largest_side=48, replace_smaller_than=replace_smaller_than) is plan


@pytest.mark.parametrize('value, force, words', [
    (200, False, 'force: false never replaces one; set force to true'),
    (0, True, 'replace_smaller_than must be a number of pixels, 1 or more (got 0)'),
])
def test_replace_smaller_than_is_refused_with_force_false_or_below_one(value, force, words):
    with pytest.raises(GraphOptionError) as caught:
        check_replace_smaller_than(replace_smaller_than=value, force=force)
    assert words in str(caught.value)
    check_replace_smaller_than(replace_smaller_than=None, force=False)
    check_replace_smaller_than(replace_smaller_than=200, force=True)
