# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The export folder (dest_dir) and the one path through which the export changes anything on disk.

Every file name is checked before it becomes a path: it must be one the module can write (file_names.py) and its path
must lie directly in the resolved folder. Only regular files are read, replaced or removed; a symbolic link or a folder
at a place the module would write is reported, never followed. In check mode nothing is created, written, removed or
chmodded, and every method returns what a real run would do.

Files are written through PrivateFileWriter (_files/private_files.py): a temporary dot-file in the folder moved into
place atomically, 0600 (folders it creates 0700) unless the task's mode, owner or group say otherwise.
"""

from __future__ import annotations

import os
import stat
import threading
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._export.manifest import MANIFEST_NAME, is_listed_file_name
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_names import same_name_key
from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import (
    TEMPORARY_PREFIX,
    LocalFileError,
    PrivateFileWriter,
    describe_os_error,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import file_sha256

# A temporary file of PrivateFileWriter lives for the seconds its write takes; one this old was left by a run that was
# killed (its bytes may be half a photo). It is removed, never read.
STALE_TEMPORARY_SECONDS = 3600

KIND_FILE = 'file'
KIND_LINK = 'link'
KIND_OTHER = 'other'


class ExportFolder:
    """dest_dir, resolved once; the listing of its entries as the run found them, kept current by write and remove.

    The export's chunks run on threads: one writes a file (an entry added) while another looks for names like its
    user's, so the listing and its index are changed and read under a lock. The index (same_name_key of each entry's
    stem -> its names) makes that search one lookup: a scan of the whole listing for every user made an export of
    N users cost N * N key computations (3,000 users: 2 s of CPU; 50,000: hours).
    """

    def __init__(self, module, path: str, *, check_mode: bool):
        self.module = module
        self.given = path
        # Resolved once: every path is checked against this, whatever links lead to the folder.
        self.path = os.path.realpath(path)
        self.check_mode = check_mode
        self.writer = PrivateFileWriter(module)
        self.entries = {}
        self._by_name_key = {}
        self._entries_lock = threading.Lock()
        self.created = []
        self.stale_temporaries = []

    # --- before any request ---
    def check(self) -> None:
        """GraphOptionError when dest_dir cannot be the folder: nothing has been read or written yet."""
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            raise GraphOptionError('dest_dir %s is not a folder: remove that file or choose another dest_dir.' % self.given)
        if not self.check_mode and os.path.isdir(self.path) and not os.access(self.path, os.W_OK | os.X_OK):
            raise GraphOptionError('dest_dir %s is not writable by the user running the module: fix its permissions or choose '
                                   'another dest_dir.' % self.given)

    def scan(self) -> None:
        """List the folder (not recursive): the kind of each visible entry, and temporaries of killed runs."""
        with self._entries_lock:
            self.entries = {}
            self._by_name_key = {}
        self.stale_temporaries = []
        try:
            listing = list(os.scandir(self.path))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise GraphOptionError('dest_dir %s cannot be listed (%s).' % (self.given, describe_os_error(exc))) from None
        now = time.time()
        for entry in listing:
            if entry.name.startswith(TEMPORARY_PREFIX):
                try:
                    if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMPORARY_SECONDS:
                        self.stale_temporaries.append(entry.name)
                except OSError:
                    pass
                continue
            if entry.name.startswith('.'):
                continue
            if entry.is_symlink():
                self._add(entry.name, KIND_LINK)
            elif entry.is_file(follow_symlinks=False):
                self._add(entry.name, KIND_FILE)
            else:
                self._add(entry.name, KIND_OTHER)

    @staticmethod
    def _name_key(name: str) -> str:
        return same_name_key(os.path.splitext(name)[0])

    def _add(self, name: str, kind: str) -> None:
        key = self._name_key(name)
        with self._entries_lock:
            self.entries[name] = kind
            self._by_name_key.setdefault(key, set()).add(name)

    def _discard(self, name: str) -> None:
        key = self._name_key(name)
        with self._entries_lock:
            self.entries.pop(name, None)
            names = self._by_name_key.get(key)
            if names is not None:
                names.discard(name)

    # --- reading ---
    def path_of(self, name: str) -> str:
        """The absolute path of a file the module may write; LocalFileError for any name that is not one."""
        if name != MANIFEST_NAME and not is_listed_file_name(name):
            raise LocalFileError('%r is not a file name this module writes; nothing is done with it.' % name)
        path = os.path.join(self.path, name)
        if os.path.dirname(os.path.abspath(path)) != self.path:
            raise LocalFileError('%s is not directly in dest_dir %s; nothing is done with it.' % (path, self.path))
        return path

    def kind(self, name: str) -> str | None:
        return self.entries.get(name)

    def digest(self, name: str) -> str | None:
        """sha256 of a regular file of the folder; None when there is none (or it is a link, or unreadable)."""
        if self.entries.get(name) != KIND_FILE:
            return None
        return file_sha256(self.path_of(name))

    def same_name(self, stem: str) -> list:
        """The visible entries whose stem is stem as a case-insensitive file system sees it, whatever their extension."""
        key = same_name_key(stem)
        with self._entries_lock:
            return sorted(self._by_name_key.get(key, ()))

    # --- the one write path ---
    def prepare(self) -> None:
        """Create dest_dir (and its parents) when missing; remove the temporaries of killed runs."""
        if not os.path.isdir(self.path):
            # In check mode: the folder a real run would create (it counts as a change there too).
            self.created = [self.path] if self.check_mode else self.writer.make_folders(self.path)
        if self.check_mode:
            return
        for name in self.stale_temporaries:
            try:
                os.unlink(os.path.join(self.path, name))
            except OSError:
                pass  # another run's, or gone already: it is never read either way

    def write(self, name: str, data: bytes) -> None:
        path = self.path_of(name)
        if self.check_mode:
            return
        self.writer.write_bytes(path, data)
        self._add(name, KIND_FILE)

    def remove(self, name: str, *, keep=()) -> bool:
        """Remove a regular file the module wrote; False when there was none to remove.

        keep: the files this run holds. On a case-insensitive file system ``Alice.jpg`` and ``alice.jpg`` are one file,
        and the old name of a file must not take the new one with it."""
        path = self.path_of(name)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise LocalFileError('Could not look at %s (%s).' % (path, describe_os_error(exc))) from None
        if not stat.S_ISREG(info.st_mode):
            raise LocalFileError('%s is no longer a regular file (a link or a folder took its place); it is left alone.' % path)
        for held in keep:
            if held.lower() == name.lower() and held != name and os.path.lexists(self.path_of(held)) \
                    and os.path.samefile(path, self.path_of(held)):
                return False
        if self.check_mode:
            return True
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise LocalFileError('Could not remove %s (%s): check the permissions of dest_dir.' % (path, describe_os_error(exc))) from None
        self._discard(name)
        return True

    def settle_attributes(self, name: str) -> bool:
        """Give an existing file the task's mode, owner and group (0600 by default); True when something differed.

        In check mode AnsibleModule only says whether they differ, as copy and get_url do."""
        return self.module.set_fs_attributes_if_different(self.writer.file_args(self.path_of(name)), False)
