# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import (
    TargetError,
    app_only_token_problem,
    check_token_reaches,
    target_from_options,
)


@pytest.mark.parametrize('options, kind, path, delete_path', [
    ({'user': 'alice@contoso.com'}, 'user', 'users/alice@contoso.com', '/users/alice@contoso.com/photo/$value'),
    ({'user': 'guest_x.com#EXT#@contoso.com'}, 'user', 'users/guest_x.com%23EXT%23@contoso.com',
     '/users/guest_x.com%23EXT%23@contoso.com/photo/$value'),
    ({'user': 'me'}, 'me', 'me', '/me/photo/$value'),
    ({'group': 'g1'}, 'group', 'groups/g1', '/groups/g1/photo/$value'),
    ({'team': 't1'}, 'team', 'teams/t1', '/groups/t1/photo/$value'),
    ({'user': 'u1', 'contact': 'c1'}, 'contact', 'users/u1/contacts/c1', None),
    ({'user': 'me', 'contact': 'c1'}, 'contact', 'me/contacts/c1', None),
    ({'user': 'u1', 'contact': 'c/1=', 'contact_folder': 'f1'}, 'contact', 'users/u1/contactFolders/f1/contacts/c%2F1%3D', None),
], ids=['upn', 'guest-upn', 'me', 'group', 'team-deletes-through-group', 'contact', 'my-contact', 'contact-in-folder'])
def test_targets(options, kind, path, delete_path):
    target = target_from_options(**options)
    assert (target.kind, target.path, target.delete_path) == (kind, path, delete_path)
    assert target.photo_value_path == '/%s/photo/$value' % path
    assert target.can_delete is (delete_path is not None)


@pytest.mark.parametrize('options, message', [
    ({}, 'Name exactly one principal with user, group or team (or contact with user); got none.'),
    ({'user': 'u', 'group': 'g'}, 'got user, group'),
    ({'group': 'g', 'team': 't'}, 'got group, team'),
    ({'contact': 'c'}, 'contact needs user'),
    ({'contact': 'c', 'user': 'u', 'group': 'g'}, 'cannot be combined with group or team'),
    ({'user': 'u', 'contact_folder': 'f'}, 'contact_folder is only meaningful with contact'),
])
def test_ambiguous_or_incomplete_targets_are_refused(options, message):
    with pytest.raises(TargetError, match=message.replace('(', r'\(').replace(')', r'\)')):
        target_from_options(**options)


def test_permissions_named_for_each_kind():
    assert 'ProfilePhoto.ReadWrite.All' in target_from_options(user='u').permission('write')
    assert 'TeamSettings.ReadWrite.All' in target_from_options(team='t').permission('write')
    assert target_from_options(user='u', contact='c').permission('write') == 'Contacts.ReadWrite'


@pytest.mark.parametrize('options, root', [
    ({'user': 'alice@contoso.com'}, '/users/alice@contoso.com'),
    ({'user': 'me'}, '/me'),
    ({'group': 'g1'}, '/groups/g1'),
    ({'team': 't1'}, '/groups/t1'),
], ids=['user', 'me', 'group', 'team-sizes-are-its-groups'])
def test_sizes_root(options, root):
    assert target_from_options(**options).sizes_root == root


class FakeTokenProvider:
    def __init__(self, app_only):
        self.is_app_only = app_only
        self.method_name = 'client_secret' if app_only else 'access_token'


@pytest.mark.parametrize('options, app_only, reaches', [
    ({'user': 'me'}, True, False),
    ({'user': 'me'}, False, True),
    ({'user': 'me', 'contact': 'c1'}, True, True),  # a contact of me: Graph decides (_photo/error_messages.py explains)
    ({'user': 'alice@contoso.com'}, True, True),
    ({'group': 'g1'}, True, True),
], ids=['me-app-only', 'me-delegated', 'my-contact-app-only', 'user-app-only', 'group-app-only'])
def test_only_me_needs_a_delegated_token(options, app_only, reaches):
    target = target_from_options(**options)
    assert (app_only_token_problem(target, app_only=app_only) is None) is reaches
    if reaches:
        check_token_reaches(target, FakeTokenProvider(app_only))
    else:
        with pytest.raises(TargetError) as caught:
            check_token_reaches(target, FakeTokenProvider(app_only))
        assert str(caught.value) == ('user: me needs a delegated token (access_token of a signed-in user); auth_method '
                                     'client_secret gives an app-only token. Name the user by id or userPrincipalName instead.')


def test_the_bulk_sync_names_the_token_not_the_auth_method():
    assert app_only_token_problem(target_from_options(user='me'), app_only=True) == (
        'user: me needs a delegated token (access_token of a signed-in user); the token in use is app-only. '
        'Name the user by id or userPrincipalName instead.')
