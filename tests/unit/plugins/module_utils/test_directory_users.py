# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._directory.users import (
    MAX_VALUES_PER_FILTER,
    UserDirectory,
    filter_needs_advanced,
    odata_string,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import UserScope
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record import build_source_of_record_items


@pytest.mark.parametrize('value, literal', [
    ("O'Brien", "'O''Brien'"),
    ("a''b", "'a''''b'"),
    ('plain', "'plain'"),
])
def test_odata_string_doubles_single_quotes(value, literal):
    assert odata_string(value) == literal


@pytest.mark.parametrize('text, needed', [
    ('accountEnabled eq false', False),
    ("department eq 'Sales' and accountEnabled eq true", False),
    ('accountEnabled ne true', True),
    ("not(department eq 'Sales')", True),
    ("endswith(mail, '@contoso.com')", True),
    ("onPremisesSamAccountName eq 'bob'", True),
    ("department eq 'not ne endswith('", False),  # words inside a string literal do not count
    ('assignedLicenses/$count eq 0', True),
])
def test_filter_needs_advanced_follows_the_documented_table(text, needed):
    assert filter_needs_advanced(text) is needed


class FakeResponse:
    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class FakeClient:
    """Answers GET /users?$filter=... from a list of users; records each request path and its headers."""

    api_version = 'v1.0'

    def __init__(self, users, page_size=2):
        self.users = users
        self.page_size = page_size
        self.requests = []

    def url(self, path):
        return 'https://graph.test/v1.0' + path

    def request(self, method, path, headers=None):
        self.requests.append((path, headers))
        query = parse_qs(urlsplit(path).query)
        offset = int(query.get('offset', ['0'])[0])
        wanted = {clause.split(' eq ')[1].strip("'").replace("''", "'").lower() for clause in query['$filter'][0].split(' or ')}
        hits = [user for user in self.users if str(user.get('employeeId', '')).lower() in wanted]
        body = {'value': hits[offset:offset + self.page_size]}
        if offset + self.page_size < len(hits):
            body['@odata.nextLink'] = self.url('/users?$filter=%s&offset=%d' % (query['$filter'][0], offset + self.page_size))
        return FakeResponse(body)


def test_find_by_sends_at_most_15_values_per_request_and_follows_next_links():
    users = [{'id': 'id%d' % n, 'userPrincipalName': 'u%d@contoso.com' % n, 'employeeId': 'E%d' % n} for n in range(40)]
    client = FakeClient(users)
    directory = UserDirectory(client, concurrency=1)
    found = directory.find_by('employeeId', ['e%d' % n for n in range(40)], select=['id', 'employeeId'])
    assert sorted(found) == sorted('e%d' % n for n in range(40))
    first_pages = [path for path, dummy in client.requests if 'offset' not in path]
    assert len(first_pages) == 3  # ceil(40 / 15)
    assert all(path.count(' or ') + 1 <= MAX_VALUES_PER_FILTER for path in first_pages)
    assert directory.stats.requests == len(client.requests) > 3  # next pages were followed and counted
    assert all(headers is None for dummy, headers in client.requests)  # employeeId eq needs no advanced query


class FakeDirectory:
    def __init__(self, users, scope_ids):
        self.users = users
        self.scope_ids = scope_ids

    def list_users(self, *, select, filter_text=None):
        return [user for user in self.users if user['id'] in self.scope_ids]

    def list_group_users(self, group_id, *, select):
        return self.list_users(select=select)

    def find_by(self, prop, values, *, select):
        found = {}
        for user in self.users:
            if str(user.get(prop, '')).lower() in {value.lower() for value in values}:
                found.setdefault(str(user[prop]).lower(), []).append(user)
        return found


USERS = [
    {'id': 'a', 'userPrincipalName': 'a@contoso.com', 'employeeId': 'E1'},
    {'id': 'b', 'userPrincipalName': 'b@contoso.com', 'employeeId': 'E2'},
    {'id': 'c', 'userPrincipalName': 'c@contoso.com', 'employeeId': 'E3'},
    {'id': 'd', 'userPrincipalName': 'd@contoso.com', 'employeeId': 'E3'},
    {'id': 'e', 'userPrincipalName': 'e@contoso.com', 'employeeId': 'E5'},
]


@pytest.mark.parametrize('missing, expected_missing', [
    ('keep', []),
    ('absent', [('users/e@contoso.com', 'absent', False)]),
    ('default', [('users/e@contoso.com', 'present', True)]),
])
def test_items_for_files_scope_and_missing(missing, expected_missing):
    files = [('e1', '/hr/e1.jpg'), ('E2', '/hr/E2.jpg'), ('e3', '/hr/e3.jpg'), ('E9', '/hr/E9.jpg')]
    items = build_source_of_record_items(FakeDirectory(USERS, {'a', 'c', 'd', 'e'}), files=files, match_by='employeeId',
                                         scope=UserScope(filter='x eq 1'), missing=missing,
                                         default_src='/hr/default.jpg' if missing == 'default' else None)
    first = items[:4]
    assert first[0].principal == 'users/a@contoso.com' and first[0].error is None and first[0].skip_reason is None
    assert first[1].skip_reason and 'b@contoso.com is not in scope' in first[1].skip_reason
    assert first[2].error.startswith('/hr/e3.jpg: 2 users have employeeId "e3" (c@contoso.com, d@contoso.com)')
    assert first[3].error.startswith('/hr/E9.jpg: no user has employeeId "E9"')
    # c and d are named by the ambiguous file: they are not "without a file", so never removed or defaulted.
    assert [(item.principal, item.state, item.only_if_no_photo) for item in items[4:]] == expected_missing
