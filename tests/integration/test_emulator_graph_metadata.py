# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator answers as Microsoft's published Graph metadata says (tests/fixtures/graph-metadata/, see its SOURCE.md):
its property lists per version and type, its photo routes per version, $select on v1.0 and beta, and the modules' own
$select lists, which must be valid on both versions."""

from __future__ import annotations

import json

import pytest
import requests
from graph_emulator import graph_metadata
from graph_emulator.photo_routes import RouteError, parse_route

from ansible_collections.graphops.msgraph.plugins.module_utils._probe.probe_run import GROUP_SELECT, USER_SELECT
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record_options import MATCH_BY_CHOICES

from conftest import ALICE, CONTACT, FOLDER, MARKETING, REPO

FACTS = json.loads((REPO / 'tests' / 'fixtures' / 'graph-metadata' / 'facts.json').read_text())
VERSIONS = ('v1.0', 'beta')
KINDS = ('user', 'group', 'contact', 'team', 'profilePhoto')
SAMPLE_IDS = {'{user-id}': ALICE, '{group-id}': MARKETING, '{team-id}': MARKETING, '{contact-id}': CONTACT,
              '{contactFolder-id}': FOLDER, '{contactFolder-id1}': FOLDER, '{profilePhoto-id}': '48x48',
              '{teamTemplate-id}': 't', '{teamTemplateDefinition-id}': 'd'}


@pytest.mark.parametrize('version', VERSIONS)
@pytest.mark.parametrize('kind', KINDS)
def test_the_emulator_property_lists_are_the_published_ones(version, kind):
    assert list(graph_metadata.PROPERTIES[version][kind]) == FACTS[version]['%s_properties' % kind]


def sample(path: str) -> list:
    for placeholder, value in SAMPLE_IDS.items():
        path = path.replace(placeholder, value)
    return [segment for segment in path.split('/') if segment]


def routed(path: str) -> bool:
    try:
        parse_route(sample(path))
    except RouteError:
        return False
    return True


@pytest.mark.parametrize('version', VERSIONS)
def test_every_published_photo_path_is_routed_or_listed_as_not_emulated(version):
    published = FACTS[version]['photo_paths']
    not_emulated = graph_metadata.PHOTO_PATHS_NOT_EMULATED[version]
    assert set(not_emulated) <= set(published)  # nothing listed that Microsoft does not publish on this version
    assert {path for path in published if not routed(path)} == set(not_emulated)


def graph_get(emulator, token, version, path):
    return requests.get('%s/%s%s' % (emulator.url, version, path), headers={'Authorization': 'Bearer ' + token},
                        verify=str(emulator.ca_path), timeout=30)


@pytest.fixture
def token(emulator):
    answer = requests.post('%s/%s/oauth2/v2.0/token' % (emulator.url, emulator.tenant_id), verify=str(emulator.ca_path), timeout=30,
                           data={'grant_type': 'client_credentials', 'client_id': emulator.client_id,
                                 'client_secret': emulator.client_secret, 'scope': 'https://graph.microsoft.com/.default'})
    return answer.json()['access_token']


@pytest.mark.parametrize('version', VERSIONS)
def test_the_published_routes_answer_on_each_version(emulator, token, version):
    for path in FACTS[version]['photo_paths']:
        if path.startswith('/me/') or 'GET' not in FACTS[version]['photo_paths'][path]['methods']:
            continue  # /me needs a delegated token
        answer = graph_get(emulator, token, version, '/' + '/'.join(sample(path)))
        unknown_segment = answer.status_code == 400 and 'Resource not found for the segment' in answer.text
        assert unknown_segment is (path in graph_metadata.PHOTO_PATHS_NOT_EMULATED[version]), (path, answer.status_code, answer.text)


# The properties the issue measured (issue 30): v1.0 publishes four the emulator refused, and two beta-only ones it took.
@pytest.mark.parametrize('version, kind, path, names, accepted', [
    ('v1.0', 'user', '/users/' + ALICE, ['deviceEnrollmentLimit', 'identityParentId', 'isManagementRestricted', 'print'], True),
    ('v1.0', 'user', '/users/' + ALICE, ['onPremisesSipInfo'], False),
    ('v1.0', 'user', '/users/' + ALICE, ['refreshTokensValidFromDateTime'], False),
    ('beta', 'user', '/users/' + ALICE, ['onPremisesSipInfo', 'refreshTokensValidFromDateTime', 'deviceKeys'], True),
    ('v1.0', 'user', '/users', ['onPremisesSipInfo'], False),
    ('beta', 'user', '/users', ['onPremisesSipInfo'], True),
    ('beta', 'contact', '/users/%s/contacts/%s' % (ALICE, CONTACT), ['phones', 'postalAddresses', 'websites'], True),
    ('v1.0', 'contact', '/users/%s/contacts/%s' % (ALICE, CONTACT), ['phones'], False),
    ('v1.0', 'contact', '/users/%s/contacts/%s' % (ALICE, CONTACT), ['businessAddress', 'homePhones', 'businessHomePage'], True),
    ('beta', 'contact', '/users/%s/contacts/%s' % (ALICE, CONTACT), ['businessAddress'], False),
    ('beta', 'group', '/groups/' + MARKETING, ['createdByAppId', 'writebackConfiguration'], True),
    ('v1.0', 'group', '/groups/' + MARKETING, ['createdByAppId'], False),
])
def test_select_follows_the_version(emulator, token, version, kind, path, names, accepted):
    answer = graph_get(emulator, token, version, '%s?$select=%s' % (path, ','.join(names)))
    if accepted:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body['value'] if 'value' in body else [body]
        assert all(set(names) <= set(item) for item in items)
    else:
        assert answer.status_code == 400
        assert "Could not find a property named '%s' on type 'microsoft.graph.%s'." % (names[0], kind) in answer.text


def test_a_contact_answers_its_version_properties(emulator, token):
    beta = graph_get(emulator, token, 'beta', '/users/%s/contacts/%s' % (ALICE, CONTACT)).json()
    v1 = graph_get(emulator, token, 'v1.0', '/users/%s/contacts/%s' % (ALICE, CONTACT)).json()
    assert set(beta) - {'@odata.context'} == set(FACTS['beta']['contact_properties'])
    assert set(v1) - {'@odata.context'} == set(FACTS['v1.0']['contact_properties'])
    assert beta['phones'] == [] and v1['homeAddress'] is None


@pytest.mark.parametrize('version', VERSIONS)
def test_the_modules_select_lists_are_valid_on_both_versions(version):
    users = set(FACTS[version]['user_properties'])
    # The sync's match_by and the export's name_by (the same choices) are selected with id and userPrincipalName.
    assert set(MATCH_BY_CHOICES) | {'id', 'userPrincipalName'} <= users
    assert set(USER_SELECT) <= users
    assert set(GROUP_SELECT) <= set(FACTS[version]['group_properties'])


@pytest.mark.parametrize('version', VERSIONS)
def test_photo_update_settings_facts(version):
    """The switch photo_settings_source_property exists because these two disagree (see test_graph_photo_update_settings)."""
    settings = FACTS[version]['photoUpdateSettings']
    if version == 'v1.0':
        assert settings['present'] is False
    else:
        assert settings['properties_prod_beta'] == ['id', 'allowedRoles']
        assert 'source' in settings['docs']
