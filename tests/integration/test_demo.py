# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo` (examples/run_demo.py) does what the README says: audit, apply, apply again with nothing to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import AUTH_ENV_NAMES, COLLECTIONS, REPO, ensure_collection_link


def test_the_demo_audits_applies_and_then_changes_nothing():
    ensure_collection_link()
    env = {key: value for key, value in os.environ.items() if key not in AUTH_ENV_NAMES}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1',
               PYTHONPATH=str(COLLECTIONS))
    report = REPO / '.build' / 'demo' / 'photos-audit.html'
    if report.exists():
        report.unlink()
    completed = subprocess.run([sys.executable, str(REPO / 'examples' / 'run_demo.py')], env=env, capture_output=True,
                               text=True, timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    recaps = [(int(ok), int(changed)) for ok, changed in re.findall(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0', output)]
    # The audit runs one more task: the sync in check mode, which writes the HTML report.
    assert recaps == [(6, 6), (5, 5), (5, 0)], recaps
    assert 'demo: the audit\'s HTML report (open it in a browser): %s\n' % report.as_uri() in output
    page = report.read_text(encoding='utf-8')
    assert page.count('<span class="verdict">would set</span></td>') == 4
    assert page.count('<span class="verdict">would remove</span></td>') == 1
    assert 'alt="Photo Graph holds for users/bob@contoso.com"' in page
    # The audit shows the facts of what would change, headed by the principal and the file.
    assert '--- before: users/bob@contoso.com (current photo)' in output
    assert '+++ after: users/alice@contoso.com (photo from ' in output
    assert 'Traceback' not in output
