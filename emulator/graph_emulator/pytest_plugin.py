"""pytest fixtures: ``pytest -p graph_emulator.pytest_plugin`` (the package installed, with its ``pytest`` extra).

- ``graph_emulator`` (session): one running EmulatorProcess for the whole session.
- ``emulator`` (function): the same process, reset before the test (seed, log, faults, config, tokens).

Set GRAPH_EMULATOR_SEED to use another seed file, GRAPH_EMULATOR_ARGS for extra command-line options.
"""

import os
import shlex

import pytest

from .process import EmulatorProcess


@pytest.fixture(scope="session")
def graph_emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("graph_emulator")
    args = shlex.split(os.environ.get("GRAPH_EMULATOR_ARGS", ""))
    with EmulatorProcess(seed=os.environ.get("GRAPH_EMULATOR_SEED") or None, state_dir=str(state_dir), args=args) as process:
        yield process


@pytest.fixture
def emulator(graph_emulator):  # pylint: disable=redefined-outer-name
    graph_emulator.admin.reset()
    return graph_emulator
