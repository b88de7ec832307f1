# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The values of the source-of-record options (match_by, missing) and whether a task reads the directory at all.

Kept apart from source_of_record.py and _directory/, which do the reading: the module's argument spec needs these values
on every run, the directory code only a run that uses match_by or scope (a module imports, and compiles, every file it
imports on every run).
"""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._directory.user_keys import DEFAULT_USER_KEY, USER_KEY_PROPERTIES

# match_by choices: the user properties a file name can stand for (their Graph names).
MATCH_BY_CHOICES = USER_KEY_PROPERTIES
DEFAULT_MATCH_BY = DEFAULT_USER_KEY
MISSING_CHOICES = ('keep', 'absent', 'default')


def needs_directory(*, match_by: str | None, scope) -> bool:
    """Files named by userPrincipalName or id, without scope, are matched as before: no directory read.
    ``scope``: the option (a dict) or the UserScope made of it, None when not given."""
    return scope is not None or (match_by or DEFAULT_MATCH_BY) != DEFAULT_MATCH_BY
