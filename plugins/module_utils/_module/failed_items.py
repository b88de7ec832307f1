# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The message of a task whose items partly failed (the sync, the export): every item is in its results, and the
message names the first failed ones with why, so that the task's one line in a job log says what to fix."""

from __future__ import annotations

# Failed items named one by one in the message; all of them are in the results.
MAX_FAILURES_IN_MSG = 50


def failed_items_message(results: list, *, name_key: str, noun: str) -> str:
    """``3 of 1000 <noun> failed: <name>: <error>; ...`` for the results whose ``error`` is set."""
    failed = [result for result in results if result.get('error')]
    lines = ['%s: %s' % (result[name_key], result['error']) for result in failed[:MAX_FAILURES_IN_MSG]]
    more = ' ... and %d more (see results)' % (len(failed) - MAX_FAILURES_IN_MSG) if len(failed) > MAX_FAILURES_IN_MSG else ''
    return '%d of %d %s failed: %s%s' % (len(failed), len(results), noun, '; '.join(lines), more)
