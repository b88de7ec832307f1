"""Fixtures for the emulator's own tests. The emulator fixtures come from graph_emulator.pytest_plugin."""

import pytest

from emulator_testing import GraphClient, secret_token


def pytest_configure(config):
    # Works with and without "-p graph_emulator.pytest_plugin" on the command line.
    if not config.pluginmanager.hasplugin("graph_emulator.pytest_plugin"):
        config.pluginmanager.import_plugin("graph_emulator.pytest_plugin")


@pytest.fixture
def graph(emulator):
    """A Graph client holding the demo app's token (all photo roles)."""
    return GraphClient(emulator.url, emulator.ca_path, secret_token(emulator))


@pytest.fixture
def client_for(emulator):
    def build(token, version="v1.0"):
        return GraphClient(emulator.url, emulator.ca_path, token, version)
    return build
