# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A picture's width and height from its header alone: what Graph sent is checked against the size asked for."""

from __future__ import annotations

import io

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import (
    LazyModule,
    library_found,
    library_import_error,
)

# Imported when a picture Graph sent is first opened (a cached run reads only metadata).
HAS_PIL = library_found('PIL')
Image = LazyModule('PIL.Image')


def picture_size(data: bytes) -> tuple | None:
    """(width, height) from an image's header alone (nothing is decoded), or None when it is not an image."""
    if not HAS_PIL or not data or library_import_error('PIL.Image') is not None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return None
