# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which file an exported photo goes to: ``<name_by value>.jpg`` (``.png`` when Graph serves PNG), and the values
that must never become a path.

A directory property is data that other people type (an employeeId, a mailNickname), so a value is used as a file
name only when it cannot leave the folder or hide in it: no path separator, no leading dot (``..``, and the dot-files
that a ``src_dir`` scan ignores), no control character, not empty, and short enough for a file system. Two users whose
values are equal without regard to case would share one file on a case-insensitive file system (and a ``src_dir``
scan, which matches case-insensitively, could not tell them apart): both are failed, and neither file is written.
"""

from __future__ import annotations

import unicodedata

# What Graph serves (GRAPH_PHOTO_API.md: stored and served as JPEG; a photo kept with its alpha channel comes back as
# PNG from …/photo/$value) and the extensions graph_profile_photo_sync's src_dir reads.
EXTENSIONS = {'image/jpeg': '.jpg', 'image/png': '.png'}
# NAME_MAX of Linux, macOS and Windows file systems is 255 (bytes on the first, UTF-16 units on NTFS): with the
# extension the name must fit.
MAX_NAME_BYTES = 255
_SEPARATORS = ('/', '\\')


def name_problem(prop: str, value) -> str | None:
    """Why value (the user's name_by property) cannot name a file, or None when it can."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 'has no %s' % prop
    if not isinstance(value, str):
        return '%s is not a string (%r)' % (prop, value)
    shown = value.encode('unicode_escape').decode('ascii')
    if any(separator in value for separator in _SEPARATORS):
        return '%s "%s" holds a path separator, so it cannot be a file name' % (prop, shown)
    if value.startswith('.'):
        return '%s "%s" starts with a dot: the file would be hidden from a src_dir scan (or name a folder)' % (prop, shown)
    if any(unicodedata.category(char) == 'Cc' for char in value):
        return '%s "%s" holds a control character, so it cannot be a file name' % (prop, shown)
    if len(value.encode('utf-8')) + len('.jpg') > MAX_NAME_BYTES:
        return '%s "%s..." is longer than a file name may be (%d bytes)' % (prop, shown[:40], MAX_NAME_BYTES)
    return None


def file_name(value: str, content_type: str) -> str | None:
    """``<value>.jpg`` or ``<value>.png`` for what Graph served; None for any other type."""
    extension = EXTENSIONS.get(content_type)
    return value + extension if extension else None


def same_name_key(value: str) -> str:
    """What a case-insensitive file system (and a src_dir scan) sees of a name: ``Alice`` and ``ALICE`` are one file."""
    return unicodedata.normalize('NFC', value).casefold()


def case_duplicates(values: dict) -> dict:
    """key -> [the other keys] for every key of {key: value} whose value equals another's without regard to case."""
    groups = {}
    for key, value in values.items():
        groups.setdefault(same_name_key(value), []).append(key)
    clashes = {}
    for members in groups.values():
        if len(members) > 1:
            for key in members:
                clashes[key] = [other for other in members if other != key]
    return clashes
