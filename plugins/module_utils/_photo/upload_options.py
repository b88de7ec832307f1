# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upload options prepare, crop and force: one argument spec (documented in doc_fragments/photo_upload.py)."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import CROP_MODES, PREPARE_MODES


def upload_argument_spec() -> dict:
    """prepare, crop and force, for graph_profile_photo and (for every item) graph_profile_photo_sync."""
    return dict(
        prepare=dict(type='str', default='auto', choices=list(PREPARE_MODES)),
        crop=dict(type='str', default='none', choices=list(CROP_MODES)),
        force=dict(type='bool', default=True),
    )
