# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AZURE_CLOUD_ENVIRONMENT (what AWX's Azure credential sets) picks the cloud of every module's token, after cloud and
AZURE_CLOUD; an unknown name fails before any request. The emulator shows which cloud's Graph each token was asked for."""

from __future__ import annotations

from conftest import ALICE, BOB, PHOTOS

GLOBAL, USGOV, CHINA = 'https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn'
SRC = str(PHOTOS / 'cat.jpg')


def every_module(dest_dir: str = '/nonexistent', **extra) -> list:
    """One task of each module; each gets its own token."""
    return [
        {'name': 'sync', 'graphops.msgraph.graph_profile_photo_sync': dict(photos=[{'user': BOB, 'src': SRC}], **extra)},
        {'name': 'photo', 'graphops.msgraph.graph_profile_photo': dict(user=ALICE, src=SRC, **extra)},
        {'name': 'info', 'graphops.msgraph.graph_profile_photo_info': dict(user=ALICE, **extra)},
        {'name': 'settings', 'graphops.msgraph.graph_photo_update_settings': dict(source='cloud', **extra)},
        {'name': 'export', 'graphops.msgraph.graph_profile_photo_export': dict(dest_dir=dest_dir, **extra)},
    ]


def audiences(admin) -> list:
    return [token['audience'] for token in admin.issued_token_facts()]


def test_azure_cloud_environment_picks_the_cloud_of_every_module_after_cloud_and_azure_cloud(playbook, admin, tmp_path):
    info = {'name': 'info', 'graphops.msgraph.graph_profile_photo_info': {'user': BOB}}
    run = playbook.run(every_module(str(tmp_path / 'export')) + [
        # An explicit cloud wins over the variable ...
        {'name': 'explicit', 'graphops.msgraph.graph_profile_photo_info': {'user': BOB, 'cloud': 'global'}},
        # ... and so does AZURE_CLOUD, the option's own fallback.
        dict(info, environment={'AZURE_CLOUD': 'china'}),
        # Matched without regard to case.
        dict(info, environment={'AZURE_CLOUD_ENVIRONMENT': 'AZUREPUBLICCLOUD'}),
    ], env={'AZURE_CLOUD_ENVIRONMENT': 'azureUSGovernment'}, check=True)
    assert run.rc == 0, run.output[-3000:]
    assert audiences(admin) == [USGOV] * 5 + [GLOBAL, CHINA, GLOBAL]


def test_an_unknown_azure_cloud_environment_fails_before_any_request(playbook, admin):
    run = playbook.run(every_module()[1:2], env={'AZURE_CLOUD_ENVIRONMENT': 'AzureMars'})
    assert run.rc != 0
    message = run.result()['msg']
    assert message.startswith('AZURE_CLOUD_ENVIRONMENT is "AzureMars", which names no cloud these modules know: use AzureCloud (global), '
                              'AzurePublicCloud (global), AzureUSGovernment (usgov), AzureChinaCloud (china)')
    assert 'Traceback' not in run.output
    # Not a token request, not a Graph request.
    assert admin.issued_token_facts() == [] and admin.log() == []
