# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error family: every exception class the shared code defines descends from GraphModuleError, so that a
module's single `except GraphModuleError` turns any of them into one sentence (GraphModule.fail_on_error)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from ansible_collections.graphops.msgraph.plugins import module_utils
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError


def shared_modules() -> list:
    """Every module of plugins/module_utils, in all its subpackages."""
    found = pkgutil.walk_packages(module_utils.__path__, prefix=module_utils.__name__ + '.')
    return [importlib.import_module(info.name) for info in found]


def test_every_error_the_shared_code_defines_is_a_graph_module_error():
    defined = {}
    for module in shared_modules():
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                defined['%s.%s' % (module.__name__.split('.module_utils.', 1)[1], name)] = value
    strays = sorted(name for name, value in defined.items() if not issubclass(value, GraphModuleError))
    assert strays == []
    # The ones that used to stand apart (ValueError, Exception) are found, so the walk sees them.
    assert {'_photo.source.SourceImageError', '_sync.shards.ShardError', '_report.report_html.ReportPathError',
            '_photo.facts.ImageDecodeError', '_graph.batch.BatchProtocolError'} <= set(defined)
