# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upload options prepare, crop and force: one argument spec (documented in doc_fragments/photo_upload.py), and
the check of prepare and crop together. What they do is prepare.py's."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError

PREPARE_MODES = ('auto', 'always', 'never')
CROP_MODES = ('none', 'square')


def check_prepare_options(*, prepare: str, crop: str) -> None:
    """Raise GraphOptionError with one sentence when prepare and crop cannot be honoured together."""
    if prepare not in PREPARE_MODES:
        raise GraphOptionError('prepare must be one of %s (got %s).' % (', '.join(PREPARE_MODES), prepare))
    if crop not in CROP_MODES:
        raise GraphOptionError('crop must be one of %s (got %s).' % (', '.join(CROP_MODES), crop))
    if crop == 'square' and prepare == 'never':
        raise GraphOptionError('crop: square needs a prepared photo; set prepare to auto or always, or crop to none.')


def upload_argument_spec() -> dict:
    """prepare, crop and force, for graph_profile_photo and (for every item) graph_profile_photo_sync."""
    return dict(
        prepare=dict(type='str', default='auto', choices=list(PREPARE_MODES)),
        crop=dict(type='str', default='none', choices=list(CROP_MODES)),
        force=dict(type='bool', default=True),
    )
