# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values from Graph or from a task that become file names: only names that stay one plain file in their folder.

A path separator would put the file elsewhere (``../``), a leading dot hides it from a ``src_dir`` scan (and makes
``.`` and ``..``), and a control character makes a name no one can type or read in a listing.
"""

from __future__ import annotations

import unicodedata

# Both separators: a name safe on the controller stays safe when the folder is copied to Windows.
PATH_SEPARATORS = ('/', '\\')


def file_name_problem(name) -> str | None:
    """Why name cannot be used as a file name (a short phrase), or None when it can."""
    if not isinstance(name, str) or not name:
        return 'it is empty'
    if any(separator in name for separator in PATH_SEPARATORS):
        return 'it holds a path separator'
    if name.startswith('.'):
        return 'it starts with a dot'
    if any(unicodedata.category(character) == 'Cc' for character in name):
        return 'it holds a control character'
    return None
