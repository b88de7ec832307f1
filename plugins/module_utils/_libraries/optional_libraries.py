# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Optional libraries (Pillow, msal): found without being imported, imported the first time they are used.

A module task pays for every import on every run (docs/docsite/rst/performance.rst, "The one-principal task"):
Pillow costs 8-12 ms and nothing in a bulk sync whose every principal is a cache hit decodes a picture; msal is not
used with auth_method access_token. ``library_found()`` says whether a library is installed, for
``missing_required_lib``, without importing it; ``LazyModule`` stands for the module in the code that uses it and
imports it on the first attribute read.
"""

from __future__ import annotations

import importlib
import importlib.util
import traceback


def library_found(name: str) -> bool:
    """Whether the top-level package ``name`` can be imported, without importing it (importlib.util.find_spec)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def library_import_error(name: str) -> str | None:
    """The traceback of importing ``name``, or None when it imports: for missing_required_lib's ``exception``. It
    imports the library, so call it on the path that fails, not before."""
    try:
        importlib.import_module(name)
    except ImportError:
        return traceback.format_exc()
    return None


class LazyModule:
    """A module imported when one of its attributes is first read: ``Image = LazyModule('PIL.Image')``, then
    ``Image.open(...)``. ImportError is raised there when the library cannot be imported: check library_found() or
    library_import_error() first. Python's import lock makes the first read safe from several threads."""

    def __init__(self, name: str):
        self._module_name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._module_name), attribute)

    def __repr__(self) -> str:
        return '<module %s, imported on first use>' % self._module_name
