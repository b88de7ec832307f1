# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: start the Graph emulator, run examples/demo.yml three times against it, stop the emulator.

1. --check --diff: what would change (nothing is written to Graph), with an HTML report of the photos side by side.
2. for real: the photos are set (changed).
3. again: nothing changes, although the emulator rewrote every photo the way Graph does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from graph_emulator.process import EmulatorProcess

EXAMPLES = Path(__file__).resolve().parent
# The audit step's HTML report (examples/demo.yml reads DEMO_REPORT_HTML).
REPORT_HTML = EXAMPLES.parent / '.build' / 'demo' / 'photos-audit.html'
# (title, ansible-playbook flags, whether the recap must show changes)
STEPS = [
    ('1/3 Audit: what would change (--check --diff, nothing is written)', ['--check', '--diff'], True),
    ('2/3 Apply: set the photos', [], True),
    ('3/3 Apply again: nothing to do, although the emulator rewrote every photo', [], False),
]


def run_and_echo(command, env) -> tuple:
    """Run a command, echo its output as it comes, and return (exit code, output)."""
    lines = []
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
    return process.returncode, ''.join(lines)


def main() -> int:
    with EmulatorProcess() as emulator:
        env = dict(os.environ)
        # What the emulator prints as export lines: its URL for Graph and login, its CA, the demo app.
        env.update(emulator.client_environment())
        env.update(ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', DEMO_REPORT_HTML=str(REPORT_HTML))
        REPORT_HTML.parent.mkdir(parents=True, exist_ok=True)
        print('Graph emulator at %s (CA %s)\n' % (emulator.url, emulator.ca_path), flush=True)
        playbook = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                    '-e', 'ansible_python_interpreter=%s' % sys.executable, str(EXAMPLES / 'demo.yml')]
        for title, flags, expect_changes in STEPS:
            print('=' * 100 + '\n' + title + '\n' + '=' * 100, flush=True)
            returncode, output = run_and_echo(playbook + flags, env)
            if returncode != 0:
                print('demo: step failed: %s' % title, file=sys.stderr)
                return returncode
            changed = int(re.search(r'changed=(\d+)', output).group(1))
            if bool(changed) != expect_changes:
                print('demo: step %r reported changed=%d, which it should not' % (title, changed), file=sys.stderr)
                return 1
            if '--check' in flags:
                print('demo: the audit\'s HTML report (open it in a browser): %s\n' % REPORT_HTML.as_uri(), flush=True)
    print('demo: done. The last run changed nothing: the module compared what the photos show, not their bytes.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
