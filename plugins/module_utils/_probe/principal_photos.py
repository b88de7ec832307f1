# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The photos of the probe's principals: kept before the first write (as backup_dir keeps them, _backup/), put back
at the end whatever happened. A principal that had no photo ends with none."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._backup.names import backup_name_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import sniff_content_type
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import ACTION_SET, PhotoPlan, read_current_photo


class ProbeRestoreError(GraphModuleError):
    """A principal's photo could not be put back; str() names the backup file to restore it from."""


@dataclass
class KeptPhoto:
    target: object  # PhotoTarget
    data: bytes | None  # None: the principal had no photo
    backup_file: str | None = None

    def to_dict(self) -> dict:
        return {'principal': self.target.label, 'had_photo': self.data is not None, 'backup_file': self.backup_file}


def keep_photo(client, target, backups, *, check_mode: bool, **name_options) -> KeptPhoto:
    """Read the principal's photo and, unless in check mode, save it with backups (PhotoBackups)."""
    current = read_current_photo(client, target)
    if current is None:
        return KeptPhoto(target=target, data=None)
    if check_mode:
        return KeptPhoto(target=target, data=current.data)
    plan = backups.keep(PhotoPlan(target=target, action=ACTION_SET, before=current.facts, after=None),
                        backup_name_from_options(**name_options), current.data)
    return KeptPhoto(target=target, data=current.data, backup_file=plan.backup_file)


def restore_photo(requests, kept: KeptPhoto) -> None:
    """Put kept back on its principal (or remove the probe's photo when it had none), then check that it is there."""
    target = kept.target
    try:
        if kept.data is not None:
            requests.put_photo(target.photo_value_path, kept.data, sniff_content_type(kept.data) or 'image/jpeg')
        else:
            try:
                requests.delete_photo(target.photo_value_path)
            except GraphError as error:
                if not is_no_photo(error):
                    raise
        present = read_current_photo(requests.client, target) is not None
    except GraphModuleError as exc:
        raise ProbeRestoreError(_restore_failure(kept, str(exc))) from None
    if present != (kept.data is not None):
        raise ProbeRestoreError(_restore_failure(kept, 'Graph %s a photo after it was put back' % ('holds' if present else 'holds no')))


def _restore_failure(kept: KeptPhoto, why: str) -> str:
    if kept.data is None:
        return ('Could not remove the probe\'s photo from %s, which had none before the probe (%s): remove it with '
                'graphops.msgraph.graph_profile_photo (state: absent).' % (kept.target.label, why))
    return ('Could not put the photo of %s back (%s): it is saved in %s; set it again with graphops.msgraph.graph_profile_photo '
            '(src: that file).' % (kept.target.label, why, kept.backup_file))
