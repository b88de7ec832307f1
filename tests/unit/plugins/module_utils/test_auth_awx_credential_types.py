# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types under extensions/awx stay in step with the auth options they feed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.options import AUTH_ARGUMENT_SPEC, DEFAULT_CLOUD
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.clouds import CLOUDS

AWX_DIR = Path(__file__).resolve().parents[4] / 'extensions' / 'awx'
CREDENTIAL_TYPES = sorted(AWX_DIR.glob('credential_type_*.yml'))
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
ENV_FALLBACKS = {name: option for option, spec in AUTH_ARGUMENT_SPEC.items() if 'fallback' in spec for name in spec['fallback'][1]}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_there_are_credential_types():
    assert [path.name for path in CREDENTIAL_TYPES] == ['credential_type_graph_certificate.yml', 'credential_type_graph_workload_identity.yml']


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=[path.name for path in CREDENTIAL_TYPES])
def test_inputs_use_only_keys_awx_accepts(path):
    definition = load(path)
    assert definition['kind'] == 'cloud'
    ids = [field['id'] for field in definition['inputs']['fields']]
    assert len(ids) == len(set(ids))
    for field in definition['inputs']['fields']:
        assert set(field) <= FIELD_KEYS, field
        assert {'id', 'label'} <= set(field)
        assert re.fullmatch(r'[a-zA-Z_][a-zA-Z0-9_]*', field['id'])
    assert set(definition['inputs']['required']) <= set(ids)


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=[path.name for path in CREDENTIAL_TYPES])
def test_injected_variables_are_env_fallbacks_of_the_auth_options(path):
    definition = load(path)
    for name in definition['injectors']['env']:
        assert name in ENV_FALLBACKS, '%s is not read by any auth option' % name


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=[path.name for path in CREDENTIAL_TYPES])
def test_templates_name_only_defined_inputs_and_files(path):
    definition = load(path)
    ids = {field['id'] for field in definition['inputs']['fields']}
    files = {name.split('.', 1)[1] for name in (definition['injectors'].get('file') or {})}
    templates = list(definition['injectors']['env'].values()) + list((definition['injectors'].get('file') or {}).values())
    for template in templates:
        for variable in re.findall(r'{{\s*([\w.]+)\s*}}', template):
            if variable.startswith('tower.filename.'):
                assert variable.split('.', 2)[2] in files
            else:
                assert variable in ids, variable


@pytest.mark.parametrize('path', CREDENTIAL_TYPES, ids=[path.name for path in CREDENTIAL_TYPES])
def test_secrets_are_marked_secret_and_cloud_choices_match(path):
    for field in load(path)['inputs']['fields']:
        if field['id'] in ('certificate', 'certificate_password'):
            assert field.get('secret') is True
        if field['id'] == 'cloud':
            assert sorted(field['choices']) == sorted(AUTH_ARGUMENT_SPEC['cloud']['choices']) == sorted(CLOUDS)
            # The option has no default of its own (AZURE_CLOUD_ENVIRONMENT comes after it), but global is what it means.
            assert field['default'] == DEFAULT_CLOUD
