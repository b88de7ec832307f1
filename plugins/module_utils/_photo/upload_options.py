# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upload options prepare, crop, force and replace_smaller_than: one argument spec (documented in
doc_fragments/photo_upload.py), and their checks. What they do is prepare.py's and state.py's."""

from __future__ import annotations

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError

PREPARE_MODES = ('auto', 'always', 'never')
CROP_MODES = ('none', 'square', 'face')
# The crops that set a square: the centred one, or the one framed around the face (_photo/face_framing.py).
SQUARE_CROPS = ('square', 'face')
# replace_smaller_than: the smallest value that means anything (Graph's smallest size is 48x48).
MIN_REPLACE_SMALLER_THAN = 1


def check_prepare_options(*, prepare: str, crop: str) -> None:
    """Raise GraphOptionError with one sentence when prepare and crop cannot be honoured together."""
    if prepare not in PREPARE_MODES:
        raise GraphOptionError('prepare must be one of %s (got %s).' % (', '.join(PREPARE_MODES), prepare))
    if crop not in CROP_MODES:
        raise GraphOptionError('crop must be one of %s (got %s).' % (', '.join(CROP_MODES), crop))
    if crop in SQUARE_CROPS and prepare == 'never':
        raise GraphOptionError('crop: %s needs a prepared photo; set prepare to auto or always, or crop to none.' % crop)


def check_replace_smaller_than(*, replace_smaller_than, force: bool) -> None:
    """Raise GraphOptionError with one sentence when replace_smaller_than cannot be honoured with force."""
    if replace_smaller_than is None:
        return
    if replace_smaller_than < MIN_REPLACE_SMALLER_THAN:
        raise GraphOptionError('replace_smaller_than must be a number of pixels, 1 or more (got %d); for example 200 replaces '
                               "Active Directory's 96x96 thumbnails." % replace_smaller_than)
    if not force:
        raise GraphOptionError('replace_smaller_than replaces existing photos smaller than it, and force: false never replaces '
                               'one; set force to true (the default) to upgrade small photos, or remove replace_smaller_than.')


def upload_argument_spec() -> dict:
    """prepare, crop, force and replace_smaller_than, for graph_profile_photo and (task-wide) graph_profile_photo_sync."""
    return dict(
        prepare=dict(type='str', default='auto', choices=list(PREPARE_MODES)),
        crop=dict(type='str', default='none', choices=list(CROP_MODES)),
        force=dict(type='bool', default=True),
        replace_smaller_than=dict(type='int'),
    )
