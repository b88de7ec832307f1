# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which users a task manages (scope): a group's transitive members that are users, and/or the users a $filter
selects, read from the directory. The sync and the export both take their users from here."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._directory.users import is_object_id
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError


@dataclass(frozen=True)
class UserScope:
    """The users a task manages: a group's transitive members that are users, and/or those a $filter selects."""

    group: str | None = None
    filter: str | None = None

    def describe(self) -> str:
        parts = []
        if self.group:
            parts.append('a member of group %s' % self.group)
        if self.filter:
            parts.append('matched by the filter "%s"' % self.filter)
        return ' and '.join(parts)


def scope_from_option(option: dict | None) -> UserScope | None:
    """The scope option (already type-checked by its argument spec) as a UserScope; GraphOptionError when it names nothing."""
    if option is None:
        return None
    group = (option.get('group') or '').strip() or None
    text = (option.get('filter') or '').strip() or None
    if group is None and text is None:
        raise GraphOptionError('scope needs group (a group object id), filter (an OData $filter on users), or both.')
    if group is not None and not is_object_id(group):
        raise GraphOptionError('scope.group must be the object id of a group (a GUID), got "%s".' % group)
    return UserScope(group=group, filter=text)


def read_scope(directory, scope: UserScope, select: list) -> dict:
    """id -> user for the users in scope (the intersection when both parts are given), in listing order."""
    group_users = directory.list_group_users(scope.group, select=select) if scope.group else None
    filter_users = directory.list_users(select=select, filter_text=scope.filter) if scope.filter else None
    if group_users is not None and filter_users is not None:
        wanted = {user['id'].lower() for user in filter_users}
        users = [user for user in group_users if user['id'].lower() in wanted]
    else:
        users = group_users if group_users is not None else filter_users
    return {user['id'].lower(): user for user in users}
