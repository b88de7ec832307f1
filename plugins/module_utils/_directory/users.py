# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading users from the directory: list them (all, by $filter, or a group's transitive members), find them by a
property, and page through @odata.nextLink. Every read goes through GraphClient (retries, token refresh, errors).

Which queries need Graph's advanced query parameters (the ConsistencyLevel: eventual header with $count=true) comes
from Microsoft's docs, not from trial: "Advanced query capabilities on Microsoft Entra ID objects"
(https://learn.microsoft.com/graph/aad-advanced-queries, with its per-property table) and the user resource's
property table (https://learn.microsoft.com/graph/api/resources/user). Those indexes can lag behind recent
directory changes, so the parameters are sent only where a query needs them.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import quote_path_segment
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError
# eq on these needs the advanced query parameters (aad-advanced-queries, "Support for filter by properties":
# onPremisesSamAccountName is marked "Advanced" for eq; without them Graph answers 400 Request_UnsupportedQuery,
# as in Microsoft Q&A 577870). eq on id, userPrincipalName, mail, mailNickname and employeeId works by default.
ADVANCED_EQ_PROPERTIES = frozenset(('onPremisesSamAccountName',))
# Properties whose every $filter operator needs the advanced query parameters (same table).
ADVANCED_FILTER_PROPERTIES = frozenset(p.lower() for p in (
    'companyName', 'employeeHireDate', 'employeeType', 'mobilePhone', 'officeLocation', 'onPremisesExtensionAttributes',
    'onPremisesImmutableId', 'onPremisesLastSyncDateTime', 'onPremisesSamAccountName', 'passwordPolicies', 'postalCode',
    'preferredLanguage', 'showInAddressList', 'streetAddress'))
# "The not and ne negation operators are supported only with advanced query parameters"; "The endsWith operator is
# supported only with advanced query parameters"; "$count in a $filter expression" too (aad-advanced-queries).
_ADVANCED_OPERATORS = re.compile(r'(?i)\b(ne|not)\b|\bendswith\s*\(|/\$count\b')
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
# Graph's known issues ("Some limitations apply to query parameters"): "the request is limited to 15 expressions in
# the filter clause by default"; more values go in another request.
MAX_VALUES_PER_FILTER = 15
# $top: "Must be between 1 and 999 inclusive" for directory objects.
PAGE_SIZE = 999
ADVANCED_HEADERS = {'ConsistencyLevel': 'eventual'}
# User.Read.All lists and reads users (its higher variants work too); GroupMember.Read.All lists a group's members
# (group-list-transitivemembers.md, least privileged first).
USER_READ_PERMISSION = 'User.Read.All (or User.ReadWrite.All, Directory.Read.All)'
GROUP_MEMBER_PERMISSION = 'GroupMember.Read.All (or Group.Read.All, Directory.Read.All)'
USER_CAST = 'microsoft.graph.user'
_GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


class DirectoryReadError(GraphModuleError):
    """Users could not be read; str() is one sentence naming what to fix."""


def odata_string(value: str) -> str:
    """An OData string literal: single quotes doubled (O'Brien -> 'O''Brien')."""
    return "'%s'" % value.replace("'", "''")


def filter_needs_advanced(text: str) -> bool:
    """Whether a user $filter needs the advanced query parameters, judged outside its string literals."""
    code = _STRING_LITERAL.sub("''", text)
    if _ADVANCED_OPERATORS.search(code):
        return True
    names = {name.lower() for name in re.findall(r'[A-Za-z_][A-Za-z0-9_]*', code)}
    return bool(names & ADVANCED_FILTER_PROPERTIES)


def is_object_id(value: str) -> bool:
    return bool(_GUID.match(value))


@dataclass
class DirectoryStats:
    """Requests sent to read the directory (each page counts) and the wall time spent reading it."""

    requests: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def add_time(self, started: float) -> None:
        """Wall time of one listing or lookup (their requests may run in parallel: their durations are not summed)."""
        self.seconds += time.monotonic() - started


class UserDirectory:
    """Reads users through one GraphClient; records what it cost in stats."""

    def __init__(self, client, *, concurrency: int = 8):
        self.client = client
        self.concurrency = max(1, concurrency)
        self.stats = DirectoryStats()

    # --- listings ---
    def list_users(self, *, select: list, filter_text: str | None = None) -> list:
        """Every user (or those matching filter_text), with the selected properties."""
        started = time.monotonic()
        params = {'$select': ','.join(select), '$top': str(PAGE_SIZE)}
        advanced = False
        if filter_text:
            params['$filter'] = filter_text
            advanced = filter_needs_advanced(filter_text)
        try:
            return self._read_all('/users', params, advanced=advanced, retry_advanced=bool(filter_text))
        except GraphError as error:
            raise DirectoryReadError(self._describe(error, what='list users' + (' with scope.filter "%s"' % filter_text if filter_text else ''),
                                                    permission=USER_READ_PERMISSION, filter_text=filter_text)) from None
        finally:
            self.stats.add_time(started)

    def list_group_users(self, group_id: str, *, select: list) -> list:
        """The users among a group's transitive members (nested groups included)."""
        # "To filter the results on the OData type, such as microsoft.graph.user ..., you must use the advanced query
        # parameters" (group-list-transitivemembers.md): the cast is always sent with them.
        path = '/groups/%s/transitiveMembers/%s' % (quote_path_segment(group_id), USER_CAST)
        started = time.monotonic()
        try:
            return self._read_all(path, {'$select': ','.join(select), '$top': str(PAGE_SIZE)}, advanced=True, retry_advanced=False)
        except GraphError as error:
            if error.status == 404:
                raise DirectoryReadError('scope.group %s was not found in the tenant (%s); give the object id of a group.' % (
                    group_id, error.describe())) from None
            raise DirectoryReadError(self._describe(error, what='list the members of scope.group %s' % group_id,
                                                    permission=GROUP_MEMBER_PERMISSION)) from None
        finally:
            self.stats.add_time(started)

    # --- lookups by property ---
    def find_by(self, prop: str, values: list, *, select: list) -> dict:
        """lower(value) -> the users whose prop equals it (compared by Graph; case as Graph compares).

        One request per MAX_VALUES_PER_FILTER values: `prop eq 'a' or prop eq 'b' ...`. For userPrincipalName,
        values that are object ids are looked up by id in the same requests.
        """
        unique = sorted({value.lower(): value for value in values}.values(), key=str.lower)
        chunks = [unique[start:start + MAX_VALUES_PER_FILTER] for start in range(0, len(unique), MAX_VALUES_PER_FILTER)]
        found = {}
        if not chunks:
            return found
        advanced = prop in ADVANCED_EQ_PROPERTIES
        started = time.monotonic()
        try:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as pool:
                for users in pool.map(lambda chunk: self._find_chunk(prop, chunk, select, advanced), chunks):
                    for user in users:
                        for key in self._keys(prop, user):
                            found.setdefault(key, {})[user['id']] = user
        finally:
            self.stats.add_time(started)
        return {key: list(users.values()) for key, users in found.items()}

    @staticmethod
    def _keys(prop: str, user: dict) -> list:
        keys = [str(user.get(prop) or '').lower()]
        if prop == 'userPrincipalName':
            keys.append(str(user.get('id') or '').lower())
        return [key for key in keys if key]

    def _find_chunk(self, prop: str, chunk: list, select: list, advanced: bool) -> list:
        clauses = []
        for value in chunk:
            name = 'id' if prop == 'userPrincipalName' and is_object_id(value) else prop
            clauses.append('%s eq %s' % (name, odata_string(value)))
        text = ' or '.join(clauses)
        params = {'$filter': text, '$select': ','.join(select), '$top': str(PAGE_SIZE)}
        try:
            return self._read_all('/users', params, advanced=advanced, retry_advanced=True)
        except GraphError as error:
            raise DirectoryReadError(self._describe(error, what='find users by %s' % prop, permission=USER_READ_PERMISSION,
                                                    filter_text=text)) from None

    # --- paging ---
    def _read_all(self, path: str, params: dict, *, advanced: bool, retry_advanced: bool) -> list:
        """Every page of a listing. When Graph refuses a query as needing the advanced query parameters although the
        docs say it does not (they have lagged behind the service before), it is sent once more with them."""
        try:
            return self._pages(path, params, advanced=advanced)
        except GraphError as error:
            if advanced or not retry_advanced or error.status != 400 or error.code != 'Request_UnsupportedQuery':
                raise
            return self._pages(path, params, advanced=True)

    def _pages(self, path: str, params: dict, *, advanced: bool) -> list:
        params = dict(params)
        headers = None
        if advanced:
            params['$count'] = 'true'
            headers = dict(ADVANCED_HEADERS)
        url = '%s?%s' % (path, '&'.join('%s=%s' % (name, quote(value, safe="$,'()@")) for name, value in params.items()))
        users = []
        while url:
            self.stats.count_request()
            response = self.client.request('GET', url, headers=headers)
            try:
                body = response.json()
            except ValueError:
                raise DirectoryReadError('Graph answered a directory listing with something that is not JSON.') from None
            users.extend(entry for entry in body.get('value') or [] if isinstance(entry, dict) and entry.get('id'))
            link = body.get('@odata.nextLink')
            url = self._relative(link) if link else None
        return users

    def _relative(self, link: str) -> str:
        """A nextLink is absolute; the client takes paths under its version root."""
        prefix = self.client.url('')
        if link.startswith(prefix):
            return link[len(prefix):]
        parts = urlsplit(link)
        marker = '/%s/' % self.client.api_version
        path = parts.path[parts.path.index(marker) + len(marker) - 1:] if marker in parts.path else parts.path
        return path + ('?' + parts.query if parts.query else '')

    @staticmethod
    def _describe(error: GraphError, *, what: str, permission: str, filter_text: str | None = None) -> str:
        if error.status == 403:
            return 'Could not %s: %s. This needs the Graph permission %s, granted with admin consent.' % (
                what, error.describe(), permission)
        if error.status == 400 and filter_text is not None:
            return 'Graph refused the filter "%s": %s (%s).' % (
                filter_text, (error.graph_message or error.code or 'no message').rstrip('.'), error.code or 'HTTP 400')
        return 'Could not %s: %s.' % (what, error.describe())
