# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The message of a task whose items partly failed names the first 50 with why, and counts the rest."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._module.failed_items import MAX_FAILURES_IN_MSG, failed_items_message


def test_the_failed_items_are_named_with_why_and_the_others_left_out():
    results = [{'principal': 'users/a', 'error': None}, {'principal': 'users/b', 'error': 'HTTP 403 (denied)'},
               {'principal': 'users/c', 'error': 'src x.jpg does not exist'}]
    assert failed_items_message(results, name_key='principal', noun='items') == (
        '2 of 3 items failed: users/b: HTTP 403 (denied); users/c: src x.jpg does not exist')


def test_a_long_list_names_the_first_ones_and_counts_the_rest():
    results = [{'user': 'u%d@contoso.com' % number, 'error': 'failed %d' % number} for number in range(MAX_FAILURES_IN_MSG + 7)]
    message = failed_items_message(results, name_key='user', noun='users')
    assert message.startswith('57 of 57 users failed: u0@contoso.com: failed 0; ')
    assert 'u49@contoso.com: failed 49 ... and 7 more (see results)' in message
    assert 'u50@contoso.com' not in message
