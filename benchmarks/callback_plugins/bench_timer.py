# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: one JSON line per finished task with its wall time and a few result keys."""

from __future__ import annotations

import json
import os
import resource
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Time each task for the benchmark
description:
  - Appends one JSON line per finished task (name, status, seconds from task start to result, and the keys
    changed, totals, stats, msg of the result, the size of the result and of its results as JSON, and the peak memory
    of the controller process, which holds every result) to the file named by E(BENCH_TIMER_FILE).
requirements:
  - Enabled with E(ANSIBLE_CALLBACKS_ENABLED=bench_timer).
'''

KEPT_KEYS = ('changed', 'totals', 'stats', 'msg', 'failed')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started = time.monotonic()

    def _record(self, result, status):
        path = os.environ.get('BENCH_TIMER_FILE')
        if not path or self._started is None:
            return
        data = getattr(result, 'result', None)
        if data is None:
            data = result._result  # pylint: disable=protected-access
        entry = {'task': result.task_name, 'status': status, 'seconds': time.monotonic() - self._started,
                 # Callbacks run in the controller's main process: its peak so far (KiB on Linux), before this callback
                 # serialises the result below.
                 'controller_max_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}
        entry.update({key: data[key] for key in KEPT_KEYS if key in data})
        entry['result_kb'] = round(len(json.dumps(data, default=str)) / 1024.0, 1)
        if 'results' in data and isinstance(data['results'], list):
            entry['items'] = len(data['results'])
            # What the results weigh as JSON: the module serialises them, the controller parses and processes them.
            entry['results_kb'] = round(len(json.dumps(data['results'], default=str)) / 1024.0, 1)
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')
