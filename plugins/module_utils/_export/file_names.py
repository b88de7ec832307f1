# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which file an exported photo goes to: ``<name_by value>.jpg`` (``.png`` when Graph serves PNG), and the values
that must never become a path (the rule is _files/file_names.py's, shared with the backups).

A directory property is data that other people type (an employeeId, a mailNickname), so a value is used as a file
name only when it cannot leave the folder or hide in it: no path separator, no leading dot (``..``, and the dot-files
that a ``src_dir`` scan ignores), no control character, not empty, and short enough for a file system. Two users whose
values are equal without regard to case would share one file on a case-insensitive file system (and a ``src_dir``
scan, which matches case-insensitively, could not tell them apart): both are failed, and neither file is written.
"""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_names import file_name_problem

# What Graph serves (GRAPH_PHOTO_API.md: stored and served as JPEG; a photo kept with its alpha channel comes back as
# PNG from …/photo/$value) and the extensions graph_profile_photo_sync's src_dir reads.
EXTENSIONS = {'image/jpeg': '.jpg', 'image/png': '.png'}


def name_problem(prop: str, value) -> str | None:
    """Why value (the user's name_by property) cannot name a file, as a phrase after the user's name; None when it can."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 'has no %s' % prop
    if not isinstance(value, str):
        return '%s is not a string (%r)' % (prop, value)
    problem = file_name_problem(value)
    if problem is None:
        return None
    shown = value.encode('unicode_escape').decode('ascii')
    if len(shown) > 60:
        shown = shown[:40] + '...'
    return '%s "%s" cannot be a file name: %s' % (prop, shown, problem)


def file_name(value: str, content_type: str) -> str | None:
    """``<value>.jpg`` or ``<value>.png`` for what Graph served; None for any other type."""
    extension = EXTENSIONS.get(content_type)
    return value + extension if extension else None
