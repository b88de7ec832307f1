# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ansible-playbook against the Graph emulator and read back results, state and request log."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from graph_emulator.client_environment import client_environment
from graph_emulator.process import EmulatorProcess
from graph_emulator.seed import DEFAULT_SEED

REPO = Path(__file__).resolve().parents[2]
PHOTOS = REPO / 'tests' / 'fixtures' / 'photos'
COLLECTIONS = REPO / '.build' / 'collections'
CALLBACKS = Path(__file__).resolve().parent / 'callback_plugins'

# Ids from emulator/graph_emulator/seeds/demo.yml
ALICE = 'alice@contoso.com'
ALICE_ID = '1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01'
BOB = 'bob@contoso.com'
CAROL = 'carol@contoso.com'
MARKETING = '4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34'
ENGINEERING_TEAM = '5ab17e4d-8f6b-4c2a-9e59-7d3a6b2f1c45'
CONTACT = 'AAMkAGVmMDEzMTM4LWNvbnRhY3QtMQ'
FOLDER = 'AAMkAGVmMDEzMTM4LWZvbGRlci0x'
FOLDER_CONTACT = 'AAMkAGVmMDEzMTM4LWNvbnRhY3QtMg'
READONLY_APP = ('3a9e6b1d-7c42-4f85-9d0e-6b2a4c8f1e57', 'demo-readonly-secret')

AUTH_ENV_NAMES = ('AZURE_TENANT_ID', 'AZURE_TENANT', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SECRET',
                  'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'AZURE_FEDERATED_TOKEN_FILE',
                  'GRAPH_ACCESS_TOKEN', 'GRAPH_ENDPOINT', 'AZURE_AUTHORITY_HOST', 'REQUESTS_CA_BUNDLE', 'AZURE_CLOUD',
                  'AZURE_CLOUD_ENVIRONMENT',
                  # Managed identity endpoints: no run may inherit them (and so probe a metadata service).
                  'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT',
                  'MSI_SECRET', 'AZURE_POD_IDENTITY_AUTHORITY_HOST')


def ensure_collection_link() -> None:
    """ansible-playbook finds the collection as ansible_collections/graphops/msgraph under COLLECTIONS."""
    link = COLLECTIONS / 'ansible_collections' / 'graphops' / 'msgraph'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def result(self, index: int = -1) -> dict:
        """The result of a module task (the recorded callback results, in order)."""
        return self.results[index]['result']


class PlaybookRunner:
    """Writes a one-play playbook for localhost and runs it with ansible-playbook in a subprocess."""

    def __init__(self, emulator, tmp_path: Path):
        self.emulator = emulator
        self.tmp_path = tmp_path
        self.count = 0

    def default_env(self) -> dict:
        """The demo app's credentials, the way AWX or a shell would give them."""
        return {
            'AZURE_TENANT_ID': self.emulator.tenant_id,
            'AZURE_CLIENT_ID': self.emulator.client_id,
            'AZURE_CLIENT_SECRET': self.emulator.client_secret,
        }

    def run(self, tasks: list, *, check: bool = False, diff: bool = False, env: dict | None = None,
            use_default_auth: bool = True, module_defaults: dict | None = None, verbosity: int = 0) -> PlaybookRun:
        ensure_collection_link()
        self.count += 1
        workdir = self.tmp_path / ('run%d' % self.count)
        workdir.mkdir()
        defaults = {'graph_endpoint': self.emulator.url, 'authority_host': self.emulator.url, 'ca_path': str(self.emulator.ca_path)}
        defaults.update(module_defaults or {})
        play = [{
            'name': 'integration test',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/graphops.msgraph.graph': defaults},
            'tasks': tasks,
        }]
        playbook = workdir / 'playbook.yml'
        playbook.write_text(yaml.safe_dump(play, sort_keys=False))
        results_file = workdir / 'results.jsonl'

        run_env = {key: value for key, value in os.environ.items() if key not in AUTH_ENV_NAMES}
        run_env.update({
            'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS),
            'ANSIBLE_CALLBACK_PLUGINS': str(CALLBACKS),
            'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
            'ANSIBLE_LOCAL_TEMP': str(workdir / 'tmp'),
            'ANSIBLE_HOME': str(workdir / 'ansible-home'),
            'RECORD_RESULTS_FILE': str(results_file),
        })
        if use_default_auth:
            run_env.update(self.default_env())
        run_env.update(env or {})

        command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                   '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook)]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        completed = subprocess.run(command, env=run_env, cwd=str(workdir), capture_output=True, text=True, timeout=300, check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results)


def yaml_code_block(playbook: Path) -> str:
    """A playbook file as a guide quotes it verbatim: an rst code block, each line indented by three spaces, blank
    lines left empty."""
    block = ''.join(('   ' + line if line.strip() else '\n') for line in playbook.read_text().splitlines(keepends=True))
    return '.. code:: yaml\n\n' + block + '\n'


def run_example_playbook(emulator, playbook: Path, *flags: str) -> str:
    """Run a playbook of examples/ as its guide says: with only the variables `make emulator` prints (no module_defaults,
    no other credential); return its output, after checking that it succeeded without a traceback."""
    ensure_collection_link()
    env = {key: value for key, value in os.environ.items() if key not in AUTH_ENV_NAMES}
    env.update(client_environment({
        'url': emulator.url, 'ca_path': emulator.ca_path, 'tenant_id': emulator.tenant_id,
        'client_id': emulator.client_id, 'client_secret': emulator.client_secret}))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1')
    command = [str(Path(sys.executable).parent / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook), *flags]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert 'Traceback' not in output
    return output


def recap(output: str) -> tuple:
    """(ok, changed) of the play recap of a run that failed nothing."""
    ok, changed = re.search(r'ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0', output).groups()
    return int(ok), int(changed)


@pytest.fixture
def admin(emulator):
    """The emulator's admin API (graph_emulator.process.AdminClient): state and request log, seen from the side."""
    return emulator.admin


@pytest.fixture
def playbook(emulator, tmp_path) -> PlaybookRunner:
    return PlaybookRunner(emulator, tmp_path)


def tenant_with_users(tmp_path_factory, name: str, users: list):
    """An emulator of its own (a context manager): the demo tenant and these users (id, userPrincipalName), each with a
    mailbox and no photo, for module-scoped fixtures of tests that need many principals."""
    seed = yaml.safe_load(Path(DEFAULT_SEED).read_text())
    seed['tenants'][0]['users'] += [{'id': user_id, 'userPrincipalName': upn, 'mailbox': True} for user_id, upn in users]
    directory = tmp_path_factory.mktemp(name)
    (directory / 'seed.yml').write_text(yaml.safe_dump(seed))
    return EmulatorProcess(seed=str(directory / 'seed.yml'), state_dir=str(directory / 'state'))


def small_jpeg(tmp_path_factory, color: tuple) -> str:
    """A 64x64 JPEG of one color (a declared photo), in a folder of its own."""
    from PIL import Image  # pylint: disable=import-outside-toplevel
    path = tmp_path_factory.mktemp('picture') / 'declared.jpg'
    buffer = io.BytesIO()
    Image.new('RGB', (64, 64), color).save(buffer, 'JPEG', quality=90)
    path.write_bytes(buffer.getvalue())
    return str(path)
