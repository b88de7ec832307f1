# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A sync driven by a source of record: which user each file names (match_by), the users the task manages
(scope, read by _directory/scope.py), and what happens to a user in scope who has no file (missing).

Files are matched case-insensitively. A file that names no user, or several, is a failed item naming the file and
the value; a file for a user outside scope is skipped. Nothing here sends a write: it only builds SyncItems.
"""

from __future__ import annotations

import os

from ansible_collections.graphops.msgraph.plugins.module_utils._directory.users import is_object_id
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import SyncItem, describe_file_name_problem, mark_duplicates
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record_options import DEFAULT_MATCH_BY
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import UserScope, read_scope


def _match_keys(prop: str, user: dict) -> list:
    keys = [str(user.get(prop) or '').lower()]
    if prop == DEFAULT_MATCH_BY:
        keys.append(user['id'].lower())  # object ids are accepted as before
    return [key for key in keys if key]


def _name_problem(prop: str, stem: str) -> str | None:
    """Why a file name cannot be a value of prop, before any request (Graph refuses `id eq 'not-a-guid'`)."""
    if prop == 'id' and not is_object_id(stem):
        return 'the file name "%s" is not an object id (a GUID), as match_by: id needs' % stem
    if prop == DEFAULT_MATCH_BY:
        return describe_file_name_problem(stem)
    return None


def _user_label(user: dict) -> str:
    return user.get('userPrincipalName') or user['id']


def build_source_of_record_items(directory, *, files: list, match_by: str | None, scope: UserScope | None,
                                 missing: str = 'keep', default_src: str | None = None) -> list:
    """SyncItems for files [(stem, path)] matched to users, plus the users in scope without a file (missing)."""
    prop = match_by or DEFAULT_MATCH_BY
    select = list(dict.fromkeys(('id', 'userPrincipalName', prop)))
    in_scope = read_scope(directory, scope, select) if scope is not None else None
    index = {}
    for user in (in_scope or {}).values():
        for key in _match_keys(prop, user):
            index.setdefault(key, {})[user['id'].lower()] = user
    problems = {stem: _name_problem(prop, stem) for stem, dummy in files}
    # Files not matched in scope are looked up in the whole directory: outside scope (skipped) or nobody (failed).
    pending = [stem for stem, dummy in files if not problems[stem] and stem.lower() not in index]
    found = directory.find_by(prop, pending, select=select) if pending else {}

    items = []
    named = set()  # users a file names, even ambiguously: never treated as having no file

    def add(**fields):
        items.append(SyncItem(index=len(items), **fields))

    for stem, src in files:
        name = os.path.basename(src)
        if problems[stem]:
            add(principal=name, target=None, state='present', src=src, error='%s: %s.' % (src, problems[stem]))
            continue
        key = stem.lower()
        candidates = list(index.get(key, {}).values())
        outside = False
        if not candidates:
            candidates = found.get(key, [])
            outside = in_scope is not None
        named.update(user['id'].lower() for user in candidates)
        if not candidates:
            add(principal=name, target=None, state='present', src=src,
                error='%s: no user has %s "%s" (compared without regard to case); rename the file or fix the directory.' % (src, prop, stem))
            continue
        if len(candidates) > 1:
            labels = ', '.join(sorted(_user_label(user) for user in candidates))
            add(principal=name, target=None, state='present', src=src,
                error='%s: %d users have %s "%s" (%s); nothing is written for this file until only one has it.' % (
                    src, len(candidates), prop, stem, labels))
            continue
        user = candidates[0]
        target = target_from_options(user=_user_label(user))
        if outside:
            add(principal=target.path, target=target, state='present', src=src,
                skip_reason='%s is not in scope (not %s); the file is not used.' % (_user_label(user), scope.describe()))
            continue
        add(principal=target.path, target=target, state='present', src=src, backup_name=(stem,))

    if in_scope is not None and missing != 'keep':
        without_file = [user for user_id, user in in_scope.items() if user_id not in named]
        for user in sorted(without_file, key=lambda user: _user_label(user).lower()):
            target = target_from_options(user=_user_label(user))
            # Its backup (backup_dir) is named as a file of this task would name it: by its match_by value.
            backup_name = (user.get(prop) or None,)
            if missing == 'absent':
                add(principal=target.path, target=target, state='absent', src=None, backup_name=backup_name)
            else:
                add(principal=target.path, target=target, state='present', src=default_src, only_if_no_photo=True,
                    backup_name=backup_name)
    return mark_duplicates(items, describe=lambda item: os.path.basename(item.src) if item.src else 'missing: %s' % missing)
