# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The comparison of declared and current photo update settings, and the single write path, with a recording client."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import requests

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError
from ansible_collections.graphops.msgraph.plugins.module_utils._settings.photo_update_settings import (
    BUILT_IN_ROLE_IDS,
    DeclaredSettings,
    PhotoUpdateSettingsError,
    PhotoUpdateSettingsWriter,
    declared_settings,
    fetch_settings,
    plan_settings,
    settings_client,
    settings_match,
)

PEOPLE = BUILT_IN_ROLE_IDS['People Administrator']
USERS = BUILT_IN_ROLE_IDS['User Administrator']
HELPDESK = BUILT_IN_ROLE_IDS['Helpdesk Administrator']


def current(source=None, roles=()):
    return {'source': source, 'allowed_roles': list(roles)}


def response(status, body=None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body).encode() if body is not None else b''  # pylint: disable=protected-access
    return answer


class RecordingClient:
    """Answers requests from a list and records them; a GraphError in the list is raised."""

    def __init__(self, answers=(), app_only=True):
        self.answers = list(answers)
        self.requests = []
        self.api_version = 'beta'
        self.token_provider = SimpleNamespace(is_app_only=app_only)

    def request(self, method, path, data=None, headers=None):
        self.requests.append((method, path, json.loads(data) if data else None))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def graph_error(status, code, message):
    return GraphError(status=status, code=code, message=message, request_id='rid-7', method='PATCH', path='/x')


# (id, current, declared, expected PATCH body)
PLANS = [
    ('same-set-other-order', current('cloud', [PEOPLE, USERS]), DeclaredSettings('cloud', (USERS, PEOPLE)), {}),
    ('same-set-other-case', current('cloud', [PEOPLE.upper()]), declared_settings(allowed_roles=[PEOPLE]), {}),
    ('duplicates-ignored', current(None, [PEOPLE]), declared_settings(allowed_roles=[PEOPLE, PEOPLE.upper()]), {}),
    ('source-only-leaves-roles', current('onPremises', [PEOPLE]), DeclaredSettings(source='cloud'), {'source': 'cloud'}),
    ('roles-only-leaves-source', current('cloud', [PEOPLE]), DeclaredSettings(allowed_roles=(USERS,)), {'allowedRoles': [USERS]}),
    ('source-never-set', current(None, []), DeclaredSettings(source='cloud'), {'source': 'cloud'}),
    ('a-role-more', current('cloud', [PEOPLE]), DeclaredSettings(allowed_roles=(PEOPLE, HELPDESK)), {'allowedRoles': [PEOPLE, HELPDESK]}),
    ('a-role-less', current('cloud', [PEOPLE, HELPDESK]), DeclaredSettings(allowed_roles=(PEOPLE,)), {'allowedRoles': [PEOPLE]}),
    ('empty-list-declares-no-roles', current('cloud', [PEOPLE]), DeclaredSettings(allowed_roles=()), {'allowedRoles': []}),
    ('empty-list-already-empty', current('cloud', []), DeclaredSettings(allowed_roles=()), {}),
    ('both-differ', current('onPremises', [PEOPLE]), DeclaredSettings('cloud', (USERS,)), {'source': 'cloud', 'allowedRoles': [USERS]}),
]


@pytest.mark.parametrize('before, declared, patch', [case[1:] for case in PLANS], ids=[case[0] for case in PLANS])
def test_only_declared_properties_are_compared_and_roles_as_a_set(before, declared, patch):
    plan = plan_settings(before, declared)
    assert plan.patch == patch
    assert plan.changed is bool(patch)
    assert plan.before == before
    # The predicted settings are the current ones with the patch applied.
    expected_after = dict(before)
    if 'source' in patch:
        expected_after['source'] = patch['source']
    if 'allowedRoles' in patch:
        expected_after['allowed_roles'] = patch['allowedRoles']
    assert settings_match(plan.after, expected_after)
    assert settings_match(plan.after, before) is not plan.changed


@pytest.mark.parametrize('roles, expected', [
    (['People Administrator'], "'People Administrator' is not one. The template id of People Administrator is %s." % PEOPLE),
    (['people administrator'], 'The template id of people administrator is %s.' % PEOPLE),
    ([PEOPLE, 'fe930be7-5e62-47db-91af'], "'fe930be7-5e62-47db-91af' is not one."),
    (['{%s}' % PEOPLE], 'is not one'),
    ([''], "'' is not one."),
])
def test_a_role_that_is_not_a_guid_fails_with_a_sentence(roles, expected):
    with pytest.raises(PhotoUpdateSettingsError) as failure:
        declared_settings(allowed_roles=roles)
    assert expected in str(failure.value)
    assert str(failure.value).startswith('allowed_roles takes directory role template ids (GUIDs), not names')


def test_an_unknown_source_fails():
    with pytest.raises(PhotoUpdateSettingsError, match='source must be cloud or onPremises'):
        declared_settings(source='unknownFutureValue')


def test_declared_roles_are_normalised_and_deduplicated_in_order():
    assert declared_settings(allowed_roles=[USERS.upper(), PEOPLE, USERS]).allowed_roles == (USERS, PEOPLE)
    assert declared_settings(source='cloud') == DeclaredSettings(source='cloud', allowed_roles=None)


def test_check_mode_sends_no_request_and_returns_the_prediction():
    client = RecordingClient()
    plan = plan_settings(current('onPremises', []), DeclaredSettings('cloud', (PEOPLE,)))
    assert PhotoUpdateSettingsWriter(client, check_mode=True).apply(plan) == current('cloud', [PEOPLE])
    assert client.requests == []


def test_an_unchanged_plan_sends_nothing():
    client = RecordingClient()
    plan = plan_settings(current('cloud', [PEOPLE]), DeclaredSettings('cloud', (PEOPLE,)))
    assert PhotoUpdateSettingsWriter(client, check_mode=False).apply(plan) == current('cloud', [PEOPLE])
    assert client.requests == []


def test_patch_answered_204_reads_the_settings_back():
    client = RecordingClient([response(204), response(200, {'source': 'cloud', 'allowedRoles': [PEOPLE]})])
    plan = plan_settings(current(None, []), DeclaredSettings('cloud', (PEOPLE,)))
    assert PhotoUpdateSettingsWriter(client, check_mode=False).apply(plan) == current('cloud', [PEOPLE])
    assert client.requests == [('PATCH', '/admin/people/photoUpdateSettings', {'source': 'cloud', 'allowedRoles': [PEOPLE]}),
                               ('GET', '/admin/people/photoUpdateSettings', None)]


def test_patch_answered_200_with_the_object_is_not_read_back():
    client = RecordingClient([response(200, {'@odata.context': 'x', 'source': 'cloud', 'allowedRoles': [PEOPLE]})])
    plan = plan_settings(current(None, []), DeclaredSettings(source='cloud'))
    assert PhotoUpdateSettingsWriter(client, check_mode=False).apply(plan) == current('cloud', [PEOPLE])
    assert [request[0] for request in client.requests] == ['PATCH']


@pytest.mark.parametrize('body', [None, {}, {'source': 'cloud'}], ids=['empty', 'empty-object', 'shortened-object'])
def test_patch_answered_200_without_the_whole_object_reads_back(body):
    client = RecordingClient([response(200, body), response(200, {'source': 'cloud', 'allowedRoles': []})])
    plan = plan_settings(current(None, []), DeclaredSettings(source='cloud'))
    assert PhotoUpdateSettingsWriter(client, check_mode=False).apply(plan) == current('cloud', [])
    assert [request[0] for request in client.requests] == ['PATCH', 'GET']


def test_graphs_400_is_quoted():
    client = RecordingClient([graph_error(400, 'BadRequest', "Invalid value specified for property 'allowedRoles'.")])
    plan = plan_settings(current(None, []), DeclaredSettings(allowed_roles=(PEOPLE,)))
    with pytest.raises(PhotoUpdateSettingsError) as failure:
        PhotoUpdateSettingsWriter(client, check_mode=False).apply(plan)
    assert str(failure.value) == ("Could not change the tenant's photo update settings: HTTP 400 BadRequest "
                                  "(Invalid value specified for property 'allowedRoles'), request-id rid-7.")


@pytest.mark.parametrize('app_only', [True, False], ids=['app-only', 'access-token'])
def test_403_names_the_permission_and_for_a_delegated_token_the_role(app_only):
    client = RecordingClient([graph_error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')],
                             app_only=app_only)
    with pytest.raises(PhotoUpdateSettingsError) as failure:
        fetch_settings(client)
    message = str(failure.value)
    assert message.startswith("Could not read the tenant's photo update settings: HTTP 403 Authorization_RequestDenied")
    assert 'PeopleSettings.ReadWrite.All' in message and 'PeopleSettings.Read.All' in message
    assert ('People Administrator role' in message) is not app_only


def test_the_settings_client_calls_beta_and_shares_token_transport_and_throttle_gate():
    v1 = SimpleNamespace(base_url='https://graph.example', api_version='v1.0', token_provider=object(), transport=object(),
                         throttle_gate=object())
    beta = settings_client(v1)
    assert beta.url('/admin/people/photoUpdateSettings') == 'https://graph.example/beta/admin/people/photoUpdateSettings'
    assert beta.token_provider is v1.token_provider and beta.transport is v1.transport
    assert beta.throttle_gate is v1.throttle_gate


def test_graph_nulls_read_as_empty():
    client = RecordingClient([response(200, {'source': None, 'allowedRoles': None})])
    assert fetch_settings(client) == current(None, [])
