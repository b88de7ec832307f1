# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files a module writes on the host that runs it, private unless the task says otherwise.

Photos are personal data: an exported photo, a backup, the HTML report (its thumbnails) and the cache are readable by
their owner only (files 0600, folders the module creates 0700) whatever the umask, unless the task gives Ansible's
usual file options (``mode``, ``owner``, ``group``: ``add_file_common_args``), which then apply to what it writes.

Each file is written to a temporary file in its own folder (a dot-file named ``.graphops-tmp-*``, which a ``src_dir``
scan ignores) and moved into place with ``AnsibleModule.atomic_move``, so a reader never sees half a file and a run
killed half-way leaves the previous file whole. ``atomic_move`` gives a new file ``0666 & ~umask``: the writer sets the
module process's umask to 077 first, so that no moment exists where a new file is readable by others.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077
TEMPORARY_PREFIX = '.graphops-tmp-'


class LocalFileError(GraphModuleError):
    """A local file or folder could not be written; str() names the path, the cause and the fix."""


def check_owner_and_group(owner, group) -> None:
    """LocalFileError when owner or group (the task's file options; None when not given) names no user or group of this
    host. Ansible would find out only at the first file it writes, in the middle of a run, after Graph requests (a
    sync's backups are written from its worker threads): this is asked before any request instead."""
    import grp  # pylint: disable=import-outside-toplevel
    import pwd  # pylint: disable=import-outside-toplevel
    for option, value, lookup, kind in (('owner', owner, pwd.getpwnam, 'user'), ('group', group, grp.getgrnam, 'group')):
        if value is None or str(value).isdigit():
            continue  # not given, or a numeric id, which needs no entry
        try:
            lookup(str(value))
        except KeyError:
            raise LocalFileError('%s: %s is not a %s on the host that runs the module; give an existing %s name or a numeric '
                                 'id.' % (option, value, kind, kind)) from None


def describe_os_error(exc: BaseException) -> str:
    return getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__


def directory_mode(file_mode: int) -> int:
    """A folder's mode for files of file_mode: whoever may read the files may also enter the folder."""
    return file_mode | ((file_mode & 0o444) >> 2)


class PrivateFileWriter:
    """Writes the files of one module run with the task's file options (``add_file_common_args=True``).

    Without ``mode``, files get 0600 and the folders it creates 0700; with ``mode``, files get it and created folders
    get it plus the search bit wherever it gives read. ``owner`` and ``group`` apply to both.

    not_file_options: file options that the module's own options of the same name take over, which therefore never
    apply to files (graph_profile_photo's ``group`` names a Graph group, not the group that owns a file).
    """

    def __init__(self, module, *, not_file_options: tuple = ()):
        self.module = module
        self.not_file_options = tuple(not_file_options)
        # atomic_move() chmods a new file to 0666 & ~umask: with 077 that is 0600 from the first moment on.
        os.umask(PRIVATE_UMASK)

    # --- the task's file options ---
    def _loaded_args(self, path: str) -> dict:
        args = self.module.load_file_common_arguments(self.module.params, path=path)
        for name in self.not_file_options:
            if name in args:
                args[name] = None
        return args

    def file_args(self, path: str) -> dict:
        args = self._loaded_args(path)
        if args.get('mode') is None:
            args['mode'] = PRIVATE_FILE_MODE
        return args

    def _mode_given(self) -> int | None:
        mode = self.module.params.get('mode')
        if mode is None:
            return None
        if isinstance(mode, int):
            return mode
        text = str(mode)
        if text.isdigit():
            return int(text, 8)
        return None  # symbolic modes (u=rw,g=r) apply to files; folders keep the private mode

    def folder_args(self, path: str) -> dict:
        args = self._loaded_args(path)
        given = self._mode_given()
        args['mode'] = directory_mode(given) if given is not None else PRIVATE_DIR_MODE
        return args

    def apply_attributes(self, path: str, args: dict, *, changed: bool = False) -> bool:
        """Set mode, owner and group on path; True when something differed. Applied in check mode too when the caller
        wrote the file in check mode (a report is an audit's output), since the file exists then."""
        check_mode = self.module.check_mode
        try:
            self.module.check_mode = False
            return self.module.set_fs_attributes_if_different(args, changed)
        finally:
            self.module.check_mode = check_mode

    def update_attributes(self, path: str) -> bool:
        """Apply the task's file options (private by default) to a file this run leaves as it is, such as a photo saved
        earlier with the same bytes; True when something differed. Honours check mode: it then only says so."""
        return self.module.set_fs_attributes_if_different(self.file_args(path), False)

    # --- folders ---
    def make_folders(self, path: str) -> list:
        """Create path and its missing parents (private, or per the task's options); return the folders created."""
        missing = []
        current = os.path.abspath(path)
        while not os.path.isdir(current):
            # Another thread of this run may have made it since isdir() looked: only something else is in the way.
            if os.path.lexists(current) and not os.path.isdir(current):
                raise LocalFileError('%s is not a folder: remove it or choose another path.' % current)
            missing.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        created = []
        for folder in reversed(missing):
            try:
                os.mkdir(folder, PRIVATE_DIR_MODE)
            except FileExistsError:
                continue  # another thread of this run made it
            except OSError as exc:
                raise LocalFileError('Could not create the folder %s (%s): check that its parent is writable by the user '
                                     'running the module.' % (folder, describe_os_error(exc))) from None
            created.append(folder)
            self.apply_attributes(folder, self.folder_args(folder))
        return created

    def make_unique_folder(self, parent: str, name: str, *, limit: int = 1000) -> str:
        """Create a new folder parent/name, or name-2, name-3, ... when that exists (another run made it, perhaps at the
        same moment): mkdir fails on an existing folder, so two runs never share one. Return its path; parent must exist."""
        for number in range(1, limit + 1):
            folder = os.path.join(os.path.abspath(parent), name if number == 1 else '%s-%d' % (name, number))
            try:
                os.mkdir(folder, PRIVATE_DIR_MODE)
            except FileExistsError:
                continue
            except OSError as exc:
                raise LocalFileError('Could not create the folder %s (%s): check that %s is a folder writable by the user '
                                     'running the module.' % (folder, describe_os_error(exc), parent)) from None
            self.apply_attributes(folder, self.folder_args(folder))
            return folder
        raise LocalFileError('Could not create a new folder %s in %s: %s to %s-%d exist already; remove old ones.' % (
            name, parent, name, name, limit))

    # --- files ---
    @contextmanager
    def replacing(self, path: str):
        """Yield a binary handle to fill; on success its content replaces path atomically and the task's file options
        apply. On an exception the temporary file is removed and path is left as it was."""
        folder = os.path.dirname(os.path.abspath(path))
        try:
            handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix='.tmp', dir=folder)
        except OSError as exc:
            raise LocalFileError('Could not write %s (%s): check that %s exists and is writable by the user running the '
                                 'module.' % (path, describe_os_error(exc), folder)) from None
        try:
            with os.fdopen(handle, 'wb') as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            self._move(temporary, path)
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)
        self.apply_attributes(path, self.file_args(path))

    def write_bytes(self, path: str, data: bytes) -> None:
        with self.replacing(path) as out:
            out.write(data)

    def _move(self, temporary: str, path: str) -> None:
        try:
            self.module.atomic_move(temporary, path)
        # atomic_move raises OSError, and plain Exception for the cases it works around and cannot.
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise LocalFileError('Could not replace %s (%s): check the folder\'s permissions and free space.' % (
                path, describe_os_error(exc))) from None
