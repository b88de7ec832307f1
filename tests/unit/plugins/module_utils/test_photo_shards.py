# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shards: every item in exactly one shard, decided by its principal, whatever the order or the host."""

from __future__ import annotations

import random

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._sync.shards import ShardError, select_shard, shard_of

PRINCIPALS = ['users/user%04d@contoso.com' % n for n in range(1000)]


@pytest.mark.parametrize('count', [1, 2, 3, 7, 16])
def test_the_shards_cover_every_item_exactly_once(count):
    shards = [select_shard(PRINCIPALS, shard_index=index, shard_count=count, key=str) for index in range(count)]
    together = [principal for shard in shards for principal in shard]
    assert sorted(together) == sorted(PRINCIPALS)
    assert len(together) == len(set(together))


def test_the_split_is_even_enough_to_share_the_work():
    sizes = [len(select_shard(PRINCIPALS, shard_index=index, shard_count=4, key=str)) for index in range(4)]
    assert min(sizes) > 200 and max(sizes) < 300


def test_the_shard_depends_on_the_principal_not_on_its_position():
    shuffled = list(PRINCIPALS)
    random.Random(3).shuffle(shuffled)
    for index in range(5):
        in_order = select_shard(PRINCIPALS, shard_index=index, shard_count=5, key=str)
        out_of_order = select_shard(shuffled, shard_index=index, shard_count=5, key=str)
        assert sorted(in_order) == sorted(out_of_order)
    # Adding items moves none of the others.
    grown = PRINCIPALS + ['users/new%d@contoso.com' % n for n in range(50)]
    assert set(select_shard(PRINCIPALS, shard_index=1, shard_count=5, key=str)) <= set(
        select_shard(grown, shard_index=1, shard_count=5, key=str))


def test_the_shard_is_the_same_in_every_process_and_case():
    # Pinned values: sha256, not Python's per-process salted hash(); a UPN in another case is the same principal.
    assert shard_of('users/alice@contoso.com', 4) == shard_of('users/Alice@Contoso.COM', 4)
    assert [shard_of(principal, 7) for principal in PRINCIPALS[:8]] == [
        shard_of(principal.upper(), 7) for principal in PRINCIPALS[:8]]
    assert shard_of('users/alice@contoso.com', 1000003) == int.from_bytes(
        __import__('hashlib').sha256(b'users/alice@contoso.com').digest()[:8], 'big') % 1000003


def test_the_items_keep_their_order_within_a_shard():
    # An order that sorting would not give back, so that a shard sorted (or grouped by hash) cannot pass for one in order.
    given = list(PRINCIPALS)
    random.Random(7).shuffle(given)
    for index in range(3):
        shard = select_shard(given, shard_index=index, shard_count=3, key=str)
        members = set(shard)
        assert shard == [principal for principal in given if principal in members]
        assert shard != sorted(shard)


@pytest.mark.parametrize('index, count, message', [
    (0, 0, 'shard_count must be 1 or more'),
    (3, 3, 'between 0 and shard_count - 1 = 2 \\(got 3\\)'),
    (-1, 2, 'got -1'),
])
def test_impossible_shards_are_refused(index, count, message):
    with pytest.raises(ShardError, match=message):
        select_shard(PRINCIPALS, shard_index=index, shard_count=count, key=str)
