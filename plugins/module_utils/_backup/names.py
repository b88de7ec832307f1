# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a principal's backup file is named in its run folder, so that the folder is itself a ``src_dir``.

A user's file is named as ``src_dir`` names that user in the same task: the stem of the file that drove the change,
else the ``user`` value as given (a ``photos`` item, the single-photo module), or, for a user that ``missing: absent``
removes, its ``match_by`` value. Syncing the folder with the same ``match_by`` then puts each photo back on its user.
Other principals go under ``groups/<id>``, ``teams/<id>`` and ``contacts/<user>/<id>`` (a ``src_dir`` scan is not
recursive, so it never mistakes them for users). The extension follows what Graph served: ``.png`` or ``.jpg``.
"""

from __future__ import annotations

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def backup_name_from_options(*, user=None, group=None, team=None, contact=None, **ignored) -> tuple:
    """The parts of a backup name (folders, then the file's stem) for a principal named by the target options."""
    if contact:
        return ('contacts', user, contact)
    if group:
        return ('groups', group)
    if team:
        return ('teams', team)
    return (user,)


def backup_extension(data: bytes) -> str:
    """The extension of a backup: Graph serves JPEG, and PNG when it kept an uploaded PNG as it was."""
    return '.png' if data.startswith(PNG_SIGNATURE) else '.jpg'
