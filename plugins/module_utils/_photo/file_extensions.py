# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The photo files a folder holds: the file types the sync's src_dir picks up and the export recognises as photos."""

from __future__ import annotations

# Graph keeps JPEG (and turns PNG into JPEG); these are the file types the directory form picks up.
PHOTO_EXTENSIONS = ('.jpg', '.jpeg', '.png')
