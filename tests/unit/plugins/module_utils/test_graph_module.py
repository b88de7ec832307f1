# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphModule's checks before any request: here, the photo modules' need of Pillow."""

from __future__ import annotations

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._module import graph_module
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import module_args


def new_graph_module() -> graph_module.GraphModule:
    with module_args({'access_token': 'not-a-real-token'}):
        return graph_module.GraphModule(argument_spec={}, supports_check_mode=True)


class Failed(Exception):
    pass


def test_without_pillow_a_photo_module_fails_naming_the_library_to_install(monkeypatch):
    graph = new_graph_module()
    monkeypatch.setattr(graph_module, 'library_found', lambda name: name != 'PIL')

    def fail_json(**result):
        raise Failed(result)

    monkeypatch.setattr(graph.module, 'fail_json', fail_json)
    with pytest.raises(Failed) as failed:
        graph.require_pillow()
    result = failed.value.args[0]
    assert 'Failed to import the required Python library (Pillow)' in result['msg']


def test_with_pillow_nothing_happens():
    new_graph_module().require_pillow()
