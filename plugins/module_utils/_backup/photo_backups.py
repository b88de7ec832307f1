# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``backup_dir``: the photo Graph holds is saved before a task replaces or removes it, one folder per task run.

The run folder is ``<backup_dir>/<run stamp>``, the UTC time the task started (``20261204T184512Z``); a run that
starts in the same second as another gets ``-2``, ``-3``, ...: the folder is made with a mkdir that fails when it
exists (PrivateFileWriter.make_unique_folder), so two runs never share one, whatever their timing. It is made at the
first backup, so a run that replaces nothing leaves no folder. Files are private like every photo this collection
writes (_files/private_files.py).

keep() is called just before the write it protects; the writers (PhotoWriter, BatchPhotoWriter) refuse a plan that
replaces a photo without its backup_file, so a backup that could not be saved stops that principal's write.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import threading

from ansible_collections.graphops.msgraph.plugins.module_utils._backup.names import backup_extension
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_names import file_name_problem, same_name_key
from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import LocalFileError
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError

RUN_STAMP_FORMAT = '%Y%m%dT%H%M%SZ'


class PhotoBackupError(GraphModuleError):
    """A backup could not be saved, so its principal was not changed; str() says why and what to fix."""


def run_stamp(started) -> str:
    """The name of a run's folder: started (an aware datetime) in UTC, to the second."""
    return started.astimezone(datetime.timezone.utc).strftime(RUN_STAMP_FORMAT)


class PhotoBackups:
    """The backups of one task run; keep() is safe to call from several threads at once."""

    def __init__(self, backup_dir: str, *, files, started):
        self.backup_dir = os.path.abspath(backup_dir)
        self.stamp = run_stamp(started)
        self.files = files  # PrivateFileWriter
        self.folder = None  # the run folder, once the first backup made it
        self.saved = 0
        self._claimed = {}  # lower-cased relative name without extension -> the principal it belongs to
        self._lock = threading.Lock()

    def keep(self, plan, name, data: bytes):
        """Save data, the full photo Graph holds for plan.target, under name (backup_name_from_options or a file's stem,
        as a tuple of parts; None when the principal has none); return the plan with its backup_file.

        PhotoBackupError when it cannot be saved: the caller must then not carry the plan out.
        """
        label = plan.target.label
        if not data:
            raise PhotoBackupError('Could not back up the photo of %s, so it was not changed: Graph returned an empty photo.' % label)
        relative = self._relative_path(label, name, data)
        try:
            folder = self._run_folder()
            path = os.path.join(folder, *relative)
            if len(relative) > 1:
                self.files.make_folders(os.path.dirname(path))
            self.files.write_bytes(path, data)
        except LocalFileError as exc:
            raise PhotoBackupError('Could not back up the photo of %s, so it was not changed: %s' % (label, exc)) from None
        with self._lock:
            self.saved += 1
        return dataclasses.replace(plan, backup_file=path)

    def _relative_path(self, label: str, name, data: bytes) -> tuple:
        if not name or name[-1] is None:
            raise PhotoBackupError(
                'Could not back up the photo of %s, so it was not changed: its backup file has no name (a user that '
                'missing: absent removes is named by its match_by property, and this user has no value for it).' % label)
        for part in name:
            problem = file_name_problem(part)
            if problem:
                raise PhotoBackupError('Could not back up the photo of %s, so it was not changed: "%s" cannot name its '
                                       'backup file (%s).' % (label, part, problem))
        key = same_name_key('/'.join(name))
        with self._lock:
            owner = self._claimed.setdefault(key, label)
        if owner != label:
            # Two principals whose names differ only in case (as file systems may see them) would share one file.
            raise PhotoBackupError('Could not back up the photo of %s, so it was not changed: its backup file %s is '
                                   'the backup of %s in this run.' % (label, '/'.join(name), owner))
        return tuple(name[:-1]) + (name[-1] + backup_extension(data),)

    def _run_folder(self) -> str:
        with self._lock:
            if self.folder is None:
                self.files.make_folders(self.backup_dir)
                self.folder = self.files.make_unique_folder(self.backup_dir, self.stamp)
            return self.folder
