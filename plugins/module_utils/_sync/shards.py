# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Split the items of a sync between shards: AWX job slices or inventory hosts sharing one directory.

The shard of an item is a stable hash of its principal, not its position: every host lists the directory
or the list in its own order (and a file added or removed moves no other item), yet each item lands in
exactly one shard of the same shard_count.
"""

from __future__ import annotations

import hashlib

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError


class ShardError(GraphOptionError):
    """shard_index / shard_count do not describe one shard of a split."""


def check_shard(shard_index: int, shard_count: int) -> None:
    if shard_count < 1:
        raise ShardError('shard_count must be 1 or more (got %d).' % shard_count)
    if not 0 <= shard_index < shard_count:
        raise ShardError('shard_index must be between 0 and shard_count - 1 = %d (got %d).' % (shard_count - 1, shard_index))


def shard_of(key: str, shard_count: int) -> int:
    """The shard (0 .. shard_count - 1) of a principal; the same on every host, Python version and run."""
    # sha256, not hash(): Python salts str hashes per process.
    digest = hashlib.sha256(key.lower().encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big') % shard_count


def select_shard(items: list, *, shard_index: int, shard_count: int, key) -> list:
    """The items of one shard, in their original order; key(item) is the item's principal."""
    check_shard(shard_index, shard_count)
    if shard_count == 1:
        return list(items)
    return [item for item in items if shard_of(key(item), shard_count) == shard_index]
