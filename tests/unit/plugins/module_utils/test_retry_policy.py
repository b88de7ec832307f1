# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import email.utils
import random

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import (
    MAX_RETRY_AFTER_SECONDS,
    RetryPolicy,
    parse_retry_after,
)


@pytest.mark.parametrize('header, expected', [
    ('10', 10.0),
    ('2.128', 2.128),
    (' 3 ', 3.0),
    ('0', 0.0),
    ('-5', 0.0),
    ('100000', MAX_RETRY_AFTER_SECONDS),
    ('soon', None),
    (None, None),
])
def test_parse_retry_after_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(7.0)


@pytest.mark.parametrize('status, retried', [(429, True), (503, True), (504, True), (500, False), (400, False), (403, False), (404, False)])
def test_only_throttling_and_unavailable_statuses_are_retried(status, retried):
    assert RetryPolicy(3).should_retry_status(status, 0) is retried


def test_attempts_are_capped_by_retries():
    policy = RetryPolicy(2)
    assert policy.should_retry_status(429, 1) is True
    assert policy.should_retry_status(429, 2) is False
    assert RetryPolicy(0).may_retry(0) is False


def test_retry_after_wins_over_backoff_and_backoff_grows_with_jitter():
    policy = RetryPolicy(5, rng=random.Random(1))
    assert policy.delay(0, '2.5') == 2.5
    delays = [policy.delay(attempt) for attempt in range(6)]
    assert all(0 <= delay <= min(30.0, 0.5 * 2 ** attempt) for attempt, delay in enumerate(delays))
    assert len(set(delays)) == len(delays)
