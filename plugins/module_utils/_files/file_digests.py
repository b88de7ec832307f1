# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sha256 of a local photo, computed again only when the file's identity on disk has changed.

The bulk sync's ``cache`` reuses a verdict when Graph's ETag and the file are both unchanged. Hashing every file on
every run to know the latter costs what a cached run otherwise does not do at all (1,000 HR photos of 160 KB: 160 MB
read and hashed). So the cache keeps, with each file's sha256, the file's identity as ``stat`` gave it when it was
hashed, and the digest is reused while the identity is the same:

- ``st_dev`` and ``st_ino``: which file the path names. A file replaced by another (saved to a temporary file and
  renamed over, as editors, ``rsync`` and Ansible's own ``copy`` do; or a symbolic link pointed elsewhere) is a
  new inode.
- ``st_size``: a rewrite in place that changes the length.
- ``st_mtime_ns``: a rewrite in place that keeps the length. Tools may set it back (``cp -p``, ``rsync -t``,
  ``touch -r``, archives), so it alone does not prove the content unchanged.
- ``st_ctime_ns``: the time of the inode's last change, which every write, rename and ``utime`` sets to the
  filesystem's clock, and no tool can set back: the field that catches a rewrite whose mtime was restored.

This rule cannot see a change that leaves all five as they were; it refuses to trust an identity where that can
happen, and the file is then hashed on every run, as before:

- **A racy identity** (git's "racy index" case): a file rewritten within the same timestamp tick as the change
  before it keeps its ctime and mtime (the kernel stamps files from a clock that advances every few milliseconds). If
  the file had changed shortly before it was hashed, a rewrite right after the hash, with the same length, would go
  unseen. So an identity is recorded only when the file's ctime and mtime were at least RACY_WINDOW_NS older than
  the moment the hash started; a file changed more recently is hashed again on the next run, and recorded then.
  The window also absorbs a difference between this host's clock and a file server's of up to that much.
- **Coarse timestamps**: a filesystem that keeps the inode change time in whole milliseconds or coarser (FAT, some
  network and FUSE filesystems, HFS+) stamps many changes alike; a file whose ctime has no part below the
  millisecond is hashed on every run. (On a filesystem with finer timestamps that happens to one file in a million.)
- **A file that changed while it was hashed** (its identity before and after differ) is not recorded either.

``time.time_ns()`` (the wall clock, which file timestamps also come from) decides "older than": a clock stepped
backwards only makes files look newer, which costs hashing, never a missed change.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time

# Identities younger than this when their file was hashed are not recorded (see above): 2 s covers the timestamp tick
# of local filesystems (1-10 ms) with a wide margin, and a file server's clock up to 2 s behind this host's.
RACY_WINDOW_NS = 2 * 1000 * 1000 * 1000
# A ctime that is a whole number of these nanoseconds says the filesystem's timestamps are coarse.
COARSE_TIMESTAMP_NS = 1000 * 1000
_READ_CHUNK = 1024 * 1024


def file_sha256(path: str) -> str | None:
    """The sha256 of a local file, or None when it cannot be read (the photo's own checks then say why)."""
    digest = hashlib.sha256()
    try:
        with open(path, 'rb') as handle:
            for block in iter(lambda: handle.read(_READ_CHUNK), b''):
                digest.update(block)
    except (OSError, TypeError):
        return None
    return digest.hexdigest()


def file_identity(status: os.stat_result) -> list:
    """[st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns]: what must not change for a recorded digest to hold."""
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def trusted_identity(identity: list, *, hashed_at_ns: int) -> bool:
    """Whether a file with this identity, hashed from hashed_at_ns on, cannot have changed since without a new
    identity: its timestamps are fine-grained and were older than RACY_WINDOW_NS then."""
    dummy_dev, dummy_ino, dummy_size, mtime_ns, ctime_ns = identity
    if ctime_ns % COARSE_TIMESTAMP_NS == 0:
        return False
    return max(mtime_ns, ctime_ns) <= hashed_at_ns - RACY_WINDOW_NS


class FileDigests:
    """Digests of local files, reusing a recorded one while the file's identity is unchanged.

    ``stat``, ``sha256`` and ``clock`` are os.stat, file_sha256 and time.time_ns; tests give their own. Safe to use
    from several threads (the counter is only read after the run).
    """

    def __init__(self, *, stat_file=os.stat, sha256=file_sha256, clock=time.time_ns):
        self._stat = stat_file
        self._sha256 = sha256
        self._clock = clock
        # How many files were hashed (the others' digests were reused): stats.files_hashed.
        self.hashed = 0

    def digest(self, path: str | None, recorded: dict | None = None) -> tuple:
        """(sha256 or None, identity to record or None) of the file at path now.

        ``recorded`` is what an earlier run kept ({'file_sha256', 'file_stat'}); its digest is returned, without
        reading the file, when the file's identity is the recorded one. Otherwise the file is hashed, and its
        identity is returned for recording only when it can be trusted (trusted_identity) and did not change while
        the file was read.
        """
        if not path:
            return None, None
        hashed_at = self._clock()
        try:
            before = self._stat(path)
        except (OSError, ValueError):
            return None, None
        if not stat.S_ISREG(before.st_mode):
            # A directory, FIFO or device: never reused, and never opened here (a FIFO without a writer would block).
            return None, None
        identity = file_identity(before)
        if recorded is not None and recorded.get('file_sha256') and recorded.get('file_stat') == identity:
            return recorded['file_sha256'], identity
        self.hashed += 1
        digest = self._sha256(path)
        try:
            after = file_identity(self._stat(path))
        except (OSError, ValueError):
            after = None
        if digest is None or after != identity or not trusted_identity(identity, hashed_at_ns=hashed_at):
            return digest, None
        return digest, identity
