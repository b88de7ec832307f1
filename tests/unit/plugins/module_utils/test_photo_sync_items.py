# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Items from a list or a directory: file names that name nobody and duplicates are failed items, never guesses."""

from __future__ import annotations

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_directory, items_from_photos

GUID = '1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01'


def make_dir(tmp_path, names):
    for name in names:
        (tmp_path / name).write_bytes(b'\xff\xd8\xff')
    return str(tmp_path)


def test_directory_files_name_users_by_upn_or_object_id(tmp_path):
    names = ['bob@contoso.com.JPG', 'alice@contoso.com.jpg', '%s.png' % GUID, 'carol@contoso.com.jpeg']
    items = items_from_directory(make_dir(tmp_path, names))
    expected = ['users/%s' % GUID, 'users/alice@contoso.com', 'users/bob@contoso.com', 'users/carol@contoso.com']
    assert [item.principal for item in items] == expected
    assert all(item.error is None and item.state == 'present' and item.target.kind == 'user' for item in items)
    assert items[1].src == str(tmp_path / 'alice@contoso.com.jpg')


def test_other_files_hidden_files_and_directories_are_ignored(tmp_path):
    (tmp_path / 'sub.jpg').mkdir()
    items = items_from_directory(make_dir(tmp_path, ['README.txt', '.alice@contoso.com.jpg', 'Thumbs.db', 'dave@contoso.com.gif']))
    assert items == []


@pytest.mark.parametrize('name', ['Alice Example.jpg', 'alice.jpg', 'alice@contoso.jpg', '1c7e3a9f-4b2d.jpg'])
def test_a_file_name_that_names_nobody_is_a_failed_item_not_a_guess(tmp_path, name):
    items = items_from_directory(make_dir(tmp_path, [name]))
    assert len(items) == 1 and items[0].target is None
    assert 'is neither a userPrincipalName (name@domain) nor an object id' in items[0].error
    assert name in items[0].error


def test_two_files_for_one_user_both_fail_naming_each_other(tmp_path):
    items = items_from_directory(make_dir(tmp_path, ['alice@contoso.com.jpg', 'Alice@Contoso.com.png', 'bob@contoso.com.jpg']))
    errors = {item.src.rsplit('/', 1)[1]: item.error for item in items}
    assert errors['bob@contoso.com.jpg'] is None
    assert 'declared 2 times (Alice@Contoso.com.png, alice@contoso.com.jpg)' in errors['alice@contoso.com.jpg']
    assert 'declared 2 times (Alice@Contoso.com.png, alice@contoso.com.jpg)' in errors['Alice@Contoso.com.png']


def test_a_missing_directory_is_one_clear_error(tmp_path):
    with pytest.raises(GraphOptionError, match='src_dir .* does not exist'):
        items_from_directory(str(tmp_path / 'nope'))


def test_list_items_name_any_principal_and_bad_ones_fail_alone():
    items = items_from_photos([
        {'user': 'alice@contoso.com', 'src': 'a.jpg', 'state': 'present'},
        {'team': 't1', 'state': 'absent'},
        {'user': 'alice@contoso.com', 'contact': 'c1', 'contact_folder': 'f1', 'src': 'c.jpg', 'state': 'present'},
        {'group': 'g1', 'team': 't2', 'src': 'x.jpg', 'state': 'present'},
        {'group': 'g2', 'state': 'present'},
    ])
    assert [item.principal for item in items] == ['users/alice@contoso.com', 'teams/t1',
                                                  'users/alice@contoso.com/contactFolders/f1/contacts/c1', 'photos[3]', 'groups/g2']
    assert [item.error is None for item in items] == [True, True, True, False, False]
    assert 'photos[3]' in items[3].error and 'Name exactly one principal' in items[3].error
    assert 'src is required with state: present' in items[4].error
    # An item naming no principal still has a stable shard key: its declaration.
    assert items[3].key == '{"group": "g1", "team": "t2"}'


def test_list_duplicates_fail_by_position():
    items = items_from_photos([{'group': 'g1', 'src': 'a.jpg', 'state': 'present'},
                               {'group': 'g1', 'state': 'absent'}])
    assert all('groups/g1 is declared 2 times (photos[0], photos[1])' in item.error for item in items)
