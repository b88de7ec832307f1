# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The national clouds: which Graph host, login host and token scope go together."""

from __future__ import annotations

from collections import namedtuple

Cloud = namedtuple('Cloud', ['name', 'graph_endpoint', 'authority_host', 'graph_resource'])

CLOUDS = {
    'global': Cloud('global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'),
    'usgov': Cloud('usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'),
    'usgov_dod': Cloud('usgov_dod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'),
    'china': Cloud('china', 'https://microsoftgraph.chinacloudapi.cn', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'),
}

# MSAL validates authorities on these hosts against Microsoft's instance discovery; any other host
# (the emulator, a private proxy) must be used with instance_discovery=False.
KNOWN_AUTHORITY_HOSTS = frozenset(cloud.authority_host for cloud in CLOUDS.values())


def graph_scope(cloud_name: str) -> str:
    """The token scope follows the cloud, never graph_endpoint: Entra issues tokens for the Graph resource."""
    return CLOUDS[cloud_name].graph_resource + '/.default'
