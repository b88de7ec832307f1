# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values from Graph or from a task that become file names (an export's name_by value, a backup's name): only names
that stay one plain file in their folder.

A directory property is data that other people type (an employeeId, a mailNickname). A path separator would put the
file elsewhere (``../``), a leading dot hides it from a ``src_dir`` scan (and makes ``.`` and ``..``), a control
character makes a name no one can type or read in a listing, and a name longer than the file system allows cannot be
written. Two names equal without regard to case are one file on a case-insensitive file system (and a ``src_dir`` scan,
which matches case-insensitively, could not tell them apart).
"""

from __future__ import annotations

import unicodedata

# Both separators: a name safe on the controller stays safe when the folder is copied to Windows.
PATH_SEPARATORS = ('/', '\\')
# NAME_MAX of Linux, macOS and Windows file systems is 255 (bytes on the first, UTF-16 units on NTFS); the extension
# (.jpg or .png) must fit too.
MAX_NAME_BYTES = 255
LONGEST_EXTENSION = '.jpeg'


def file_name_problem(name) -> str | None:
    """Why name (a file's stem) cannot be used as a file name, as a short phrase; None when it can."""
    if not isinstance(name, str) or not name.strip():
        return 'it is empty'
    if any(separator in name for separator in PATH_SEPARATORS):
        return 'it holds a path separator'
    if name.startswith('.'):
        return 'it starts with a dot'
    if any(unicodedata.category(character) == 'Cc' for character in name):
        return 'it holds a control character'
    if len(name.encode('utf-8')) + len(LONGEST_EXTENSION) > MAX_NAME_BYTES:
        return 'it is longer than a file name may be (%d bytes)' % MAX_NAME_BYTES
    return None


def same_name_key(name: str) -> str:
    """What a case-insensitive file system (and a src_dir scan) sees of a name: ``Alice`` and ``ALICE`` are one file."""
    return unicodedata.normalize('NFC', name).casefold()


def case_duplicates(names: dict) -> dict:
    """key -> [the other keys] for every key of {key: name} whose name equals another's without regard to case."""
    groups = {}
    for key, name in names.items():
        groups.setdefault(same_name_key(name), []).append(key)
    clashes = {}
    for members in groups.values():
        if len(members) > 1:
            for key in members:
                clashes[key] = [other for other in members if other != key]
    return clashes
