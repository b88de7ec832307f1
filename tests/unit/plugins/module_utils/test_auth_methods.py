# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils.auth_methods import (
    AccessTokenAuth,
    ClientSecretAuth,
    build_auth_method,
    choose_auth_method_name,
    describe_token_error,
)
from ansible_collections.graphops.msgraph.plugins.module_utils.clouds import CLOUDS, graph_scope
from ansible_collections.graphops.msgraph.plugins.module_utils.graph_errors import GraphAuthError


def options(**given):
    base = dict(auth_method='auto', tenant_id=None, client_id=None, client_secret=None, client_certificate_path=None,
                client_certificate_password=None, federated_token_file=None, access_token=None, cloud='global',
                authority_host=None)
    base.update(given)
    return base


@pytest.mark.parametrize('given, expected', [
    (dict(access_token='t'), 'access_token'),
    (dict(client_secret='s', tenant_id='t', client_id='c'), 'client_secret'),
    (dict(client_certificate_path='/c.pem'), 'client_certificate'),
    (dict(federated_token_file='/f'), 'workload_identity'),
    (dict(auth_method='client_secret', access_token='t'), 'client_secret'),
])
def test_auto_picks_the_single_method_the_options_point_to(given, expected):
    assert choose_auth_method_name(options(**given)) == expected


def test_auto_with_nothing_lists_what_to_set():
    with pytest.raises(GraphAuthError, match='No credentials found: set client_secret'):
        choose_auth_method_name(options())


def test_auto_with_two_methods_lists_both():
    with pytest.raises(GraphAuthError, match=r'more than one method \(access_token from access_token, client_secret from client_secret\)'):
        choose_auth_method_name(options(access_token='t', client_secret='s'))


def test_client_secret_needs_tenant_and_client_id():
    with pytest.raises(GraphAuthError, match='auth_method client_secret needs tenant_id, client_id'):
        build_auth_method(options(client_secret='s'), session=None)


def test_access_token_alone_is_enough_and_never_refreshes():
    method = build_auth_method(options(access_token='tok'), session=None)
    assert isinstance(method, AccessTokenAuth)
    assert method.acquire_token() == 'tok'
    assert method.can_refresh is False
    assert method.is_app_only is False
    assert ClientSecretAuth(options(), None).is_app_only is True


@pytest.mark.parametrize('name', ['client_certificate', 'workload_identity', 'managed_identity'])
def test_methods_of_the_next_release_fail_clearly(name):
    with pytest.raises(GraphAuthError, match='auth_method %s is not available in this release' % name):
        build_auth_method(options(auth_method=name), session=None)


def test_token_error_sentence_names_the_aadsts_code_and_the_fix_without_the_secret():
    result = {'error': 'invalid_client', 'error_codes': [7000215],
              'error_description': 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x'}
    message = describe_token_error(result, options(client_id='c1', tenant_id='t1', client_secret='hunter2'))
    assert message == ('Could not get a token for client_id c1 in tenant t1: invalid_client '
                       '(AADSTS7000215: Invalid client secret provided); the client secret is wrong: '
                       'check client_secret (or AZURE_CLIENT_SECRET / AZURE_SECRET).')
    assert 'hunter2' not in message


@pytest.mark.parametrize('cloud, scope', [
    ('global', 'https://graph.microsoft.com/.default'),
    ('usgov', 'https://graph.microsoft.us/.default'),
    ('usgov_dod', 'https://dod-graph.microsoft.us/.default'),
    ('china', 'https://microsoftgraph.chinacloudapi.cn/.default'),
])
def test_scope_follows_the_cloud(cloud, scope):
    assert graph_scope(cloud) == scope
    assert CLOUDS[cloud].authority_host.startswith('https://login.')
