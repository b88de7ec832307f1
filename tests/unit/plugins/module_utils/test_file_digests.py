# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A file's sha256 is computed again exactly when its identity on disk may have changed (_files/file_digests.py)."""

from __future__ import annotations

import hashlib
import os
import stat
import time

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import PhotoSyncCache, verdict_settings
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_digests import (
    RACY_WINDOW_NS,
    FileDigests,
    file_identity,
    file_sha256,
    trusted_identity,
)

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
# The writer sets the process's umask to 077; this fixture (autouse) puts the usual one back after each test.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import

SECOND = 1000 * 1000 * 1000
# A file last changed at T (with a part below the millisecond, as ext4, xfs, btrfs and tmpfs stamp files) ...
T = 1_700_000_000 * SECOND + 123_456_789
# ... hashed an hour later: its identity is not racy.
LATER = T + 3600 * SECOND
FIELDS = ('st_dev', 'st_ino', 'st_size', 'st_mtime_ns', 'st_ctime_ns')


class FakeFile:
    """A file whose stat fields and content the test sets; counts how often it is hashed."""

    def __init__(self, content=b'photo one'):
        self.content = content
        self.fields = {'st_mode': stat.S_IFREG | 0o644, 'st_dev': 2049, 'st_ino': 131, 'st_size': len(content),
                       'st_mtime_ns': T, 'st_ctime_ns': T}
        self.hashes = 0
        # Called between the two stat() calls of a hash (a change while the file is read).
        self.while_hashing = None

    def stat(self, path):
        assert path == '/photos/alice.jpg'
        return os.stat_result((self.fields['st_mode'], self.fields['st_ino'], self.fields['st_dev'], 1, 0, 0,
                               self.fields['st_size'], 0, 0, 0, 0.0, 0.0, 0.0, 0, self.fields['st_mtime_ns'],
                               self.fields['st_ctime_ns']))

    def sha256(self, path):
        assert path == '/photos/alice.jpg'
        self.hashes += 1
        digest = hashlib.sha256(self.content).hexdigest()
        if self.while_hashing is not None:
            self.while_hashing()
        return digest

    def digests(self, now=LATER):
        return FileDigests(stat_file=self.stat, sha256=self.sha256, clock=lambda: now)


def record(file, now=LATER):
    """Hash the file once, as a run does, and return what the cache would keep of it."""
    digest, identity = file.digests(now).digest('/photos/alice.jpg')
    return {'file_sha256': digest, 'file_stat': identity}


def test_the_fake_stat_result_carries_the_fields_the_rule_reads():
    file = FakeFile()
    assert file_identity(file.stat('/photos/alice.jpg')) == [2049, 131, len(b'photo one'), T, T]


def test_an_unchanged_file_is_not_read_again():
    file = FakeFile()
    recorded = record(file)
    assert recorded['file_stat'] is not None and file.hashes == 1
    digests = file.digests(LATER + 86400 * SECOND)
    for dummy in range(3):
        assert digests.digest('/photos/alice.jpg', recorded) == (recorded['file_sha256'], recorded['file_stat'])
    assert file.hashes == 1 and digests.hashed == 0


@pytest.mark.parametrize('field, value', [
    ('st_dev', 2050),  # the path now names a file on another filesystem (a mount, a symbolic link pointed elsewhere)
    ('st_ino', 977),  # replaced: a new file renamed over the old one
    ('st_size', 12),  # rewritten in place, another length
    ('st_mtime_ns', T + 5 * SECOND),  # rewritten in place, same length
    ('st_ctime_ns', T + 5 * SECOND),  # rewritten in place with its mtime set back (cp -p, rsync -t, touch -r)
])
def test_a_change_of_any_identity_field_reads_the_file_again(field, value):
    file = FakeFile()
    recorded = record(file)
    file.content = b'photo two'
    file.fields[field] = value
    digests = file.digests()
    digest, identity = digests.digest('/photos/alice.jpg', recorded)
    assert digest == hashlib.sha256(b'photo two').hexdigest() and file.hashes == 2 and digests.hashed == 1
    assert identity is not None and identity[FIELDS.index(field)] == value, 'the new identity is recorded with the new digest'


def test_a_racy_identity_is_not_recorded_so_a_same_tick_rewrite_is_seen():
    # Hashed 1 ms after its last change: a rewrite of the same length in the same timestamp tick would keep every
    # field of stat as it is. The identity is therefore not recorded ...
    file = FakeFile()
    recorded = record(file, now=T + 1000 * 1000)
    assert recorded['file_stat'] is None and file.hashes == 1
    # ... and when exactly that happens, the next run reads the file and sees the new content.
    file.content = b'photo TWO'
    digest, identity = file.digests().digest('/photos/alice.jpg', recorded)
    assert digest == hashlib.sha256(b'photo TWO').hexdigest() and file.hashes == 2
    assert identity == file_identity(file.stat('/photos/alice.jpg')), 'now old enough: recorded, and trusted next time'


@pytest.mark.parametrize('age_ns, trusted', [
    (0, False), (RACY_WINDOW_NS - 1, False), (RACY_WINDOW_NS, True), (3600 * SECOND, True),
    (-5 * SECOND, False),  # stamped in the future (a file server's clock ahead of ours)
])
def test_the_racy_window(age_ns, trusted):
    assert trusted_identity([1, 2, 3, T, T], hashed_at_ns=T + age_ns) is trusted
    assert trusted_identity([1, 2, 3, T - 3600 * SECOND, T], hashed_at_ns=T + age_ns) is trusted, 'ctime decides when newer'


@pytest.mark.parametrize('ctime_ns', [1_700_000_000 * SECOND, 1_700_000_000 * SECOND + 20 * 1000 * 1000])
def test_coarse_timestamps_fall_back_to_hashing_every_run(ctime_ns):
    # Whole seconds (FAT's 2 s, HFS+, some network filesystems) or whole milliseconds.
    file = FakeFile()
    file.fields['st_ctime_ns'] = file.fields['st_mtime_ns'] = ctime_ns
    recorded = record(file)
    assert recorded['file_stat'] is None
    for dummy in range(2):
        record(file)
    assert file.hashes == 3


def test_a_file_that_changes_while_it_is_hashed_is_not_recorded():
    file = FakeFile()

    def rewrite():
        file.fields['st_size'] += 1
        file.fields['st_mtime_ns'] = file.fields['st_ctime_ns'] = LATER - SECOND

    file.while_hashing = rewrite
    assert record(file)['file_stat'] is None


def test_what_cannot_be_hashed_gives_no_digest(tmp_path):
    digests = FileDigests()
    fifo = tmp_path / 'pipe.jpg'
    os.mkfifo(fifo)
    assert digests.digest(str(fifo)) == (None, None), 'a FIFO is never opened (it would block without a writer)'
    assert digests.digest(str(tmp_path)) == (None, None)
    assert digests.digest(str(tmp_path / 'missing.jpg')) == (None, None)
    assert digests.digest(None) == (None, None) and digests.hashed == 0


# --- on a real filesystem: the three ways a photo changes, and one that does not ---

def later_clock():
    """A run an hour after the files were written: their identities are not racy."""
    return time.time_ns() + 3600 * SECOND


def counting_digests():
    calls = []

    def sha256(path):
        calls.append(path)
        return file_sha256(path)

    return FileDigests(sha256=sha256, clock=later_clock), calls


def test_on_disk_an_unchanged_file_is_hashed_once(tmp_path):
    path = tmp_path / 'alice.jpg'
    path.write_bytes(b'\xff\xd8 the photo')
    digests, calls = counting_digests()
    first = digests.digest(str(path))
    assert first[1] is not None, 'this filesystem keeps fine timestamps (the test needs one)'
    for dummy in range(3):
        assert digests.digest(str(path), {'file_sha256': first[0], 'file_stat': first[1]}) == first
    assert len(calls) == 1


def test_on_disk_a_replaced_file_is_hashed_again(tmp_path):
    # Saved to a temporary file and renamed over the old one (editors, rsync, Ansible's copy): a new inode, even with
    # the old length and modification time.
    path = tmp_path / 'alice.jpg'
    path.write_bytes(b'\xff\xd8 photo one')
    digests, calls = counting_digests()
    digest, identity = digests.digest(str(path))
    old = os.stat(path)
    replacement = tmp_path / '.alice.jpg.tmp'
    replacement.write_bytes(b'\xff\xd8 photo two')
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(replacement, path)
    assert os.stat(path).st_ino != old.st_ino
    assert digests.digest(str(path), {'file_sha256': digest, 'file_stat': identity})[0] == hashlib.sha256(b'\xff\xd8 photo two').hexdigest()
    assert len(calls) == 2


@pytest.mark.parametrize('new_content', [b'\xff\xd8 photo two', b'\xff\xd8 a longer photo two'])
def test_on_disk_a_rewrite_in_place_is_hashed_again(tmp_path, new_content):
    # Written into the same inode; with the same length its modification time set back as cp -p would: ctime sees it.
    path = tmp_path / 'alice.jpg'
    path.write_bytes(b'\xff\xd8 photo one')
    digests, calls = counting_digests()
    digest, identity = digests.digest(str(path))
    old = os.stat(path)
    time.sleep(0.02)  # past the timestamp tick of the filesystem's clock (a few milliseconds)
    with open(path, 'r+b') as handle:
        handle.write(new_content)
        handle.truncate()
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    now = os.stat(path)
    assert now.st_ino == old.st_ino and now.st_mtime_ns == old.st_mtime_ns
    assert digests.digest(str(path), {'file_sha256': digest, 'file_stat': identity})[0] == hashlib.sha256(new_content).hexdigest()
    assert len(calls) == 2


def test_on_disk_a_file_written_just_before_it_is_hashed_is_hashed_next_run_too(tmp_path):
    path = tmp_path / 'alice.jpg'
    path.write_bytes(b'\xff\xd8 photo one')
    digest, identity = FileDigests().digest(str(path))
    assert digest == hashlib.sha256(b'\xff\xd8 photo one').hexdigest() and identity is None, 'written a moment ago: racy'


# --- through the cache: the identity travels with the digest, and a cached run hashes nothing ---

SETTINGS = verdict_settings(compare='perceptual', prepare='auto', crop='none')


def test_the_cache_keeps_the_identity_with_the_digest_and_reuses_it_after_a_reload(tmp_path):
    photo = tmp_path / 'alice.jpg'
    photo.write_bytes(b'\xff\xd8 photo one')
    path = str(tmp_path / 'cache.json')
    cache = PhotoSyncCache.load(path)
    cache.digests, calls = counting_digests()
    digest = cache.file_digest('users/alice', str(photo))
    cache.record('users/alice', etag='"E1"', file_digest=digest, settings=SETTINGS, verdict='same', compared_size='96x96',
                 photo=None, upload=None)
    cache.record('users/bob', etag='"E2"', file_digest='b' * 64, settings=SETTINGS, verdict='same', compared_size='96x96',
                 photo=None, upload=None)
    assert cache.entries['users/alice']['file_stat'] == file_identity(os.stat(photo))
    assert 'file_stat' not in cache.entries['users/bob'], 'a digest this run did not take of the file has no identity'
    cache.save(files=make_writer())

    again = PhotoSyncCache.load(path)
    again.digests, calls = counting_digests()
    assert again.file_digest('users/alice', str(photo)) == digest and calls == []
    assert again.lookup('users/alice', etag='"E1"', file_digest=digest, settings=SETTINGS) is not None
    photo.write_bytes(b'\xff\xd8 photo two, longer')
    assert again.file_digest('users/alice', str(photo)) == hashlib.sha256(b'\xff\xd8 photo two, longer').hexdigest()
    assert calls == [str(photo)]


def test_a_malformed_identity_drops_the_entry(tmp_path):
    path = tmp_path / 'cache.json'
    cache = PhotoSyncCache(str(path))
    cache.record('users/a', etag='"E"', file_digest='f' * 64, settings=SETTINGS, verdict='same', compared_size=None,
                 photo=None, upload=None)
    cache.entries['users/b'] = dict(cache.entries['users/a'], file_stat=[1, 2, 3])
    cache.entries['users/c'] = dict(cache.entries['users/a'], file_stat=[1, 2, 3, 4, 5])
    cache.entries['users/d'] = dict(cache.entries['users/a'], file_stat=[1, 2, 3, 4, '5'])
    cache.save(files=make_writer())
    assert sorted(PhotoSyncCache.load(str(path)).entries) == ['users/a', 'users/c']
