# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tenant's photo update settings (who may change photos): read, compare with the declared state, write.

Graph beta `GET`/`PATCH /admin/people/photoUpdateSettings`, properties `source` (`cloud`, `onPremises`) and
`allowedRoles` (directory role template ids). Source: Microsoft's "Update photoUpdateSettings" and "List
photoUpdateSettings" pages (learn.microsoft.com/graph/api/photoupdatesettings-update?view=graph-rest-beta,
microsoftgraph/microsoft-graph-docs-contrib api-reference/beta/api/photoupdatesettings-update.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import GraphClient
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError, GraphModuleError, GraphTokenRefused

SETTINGS_PATH = '/admin/people/photoUpdateSettings'
# The resource exists in beta only: v1.0 has /admin/people but answers 400 "Resource not found for the segment
# 'photoUpdateSettings'", so this resource is always called on beta, whatever api_version says.
SETTINGS_API_VERSION = 'beta'
SOURCES = ('cloud', 'onPremises')
READ_PERMISSION = 'PeopleSettings.Read.All'
WRITE_PERMISSION = 'PeopleSettings.ReadWrite.All'

# Template ids of the built-in roles a tenant most likely allows to edit photos, from Microsoft's "Microsoft Entra
# built-in roles" page (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference,
# MicrosoftDocs/entra-docs docs/identity/role-based-access-control/permissions-reference.md, "All roles" table).
# Template ids of built-in roles are the same in every tenant.
BUILT_IN_ROLE_IDS = {
    'People Administrator': '024906de-61e5-49c8-8572-40335f1e0e10',
    'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
    'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
    'Exchange Recipient Administrator': '31392ffb-586c-42d1-9346-e59415a2cc4e',
}
GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


class PhotoUpdateSettingsError(GraphModuleError):
    """The settings cannot be declared, read or written; str() is the sentence to show."""


@dataclass(frozen=True)
class DeclaredSettings:
    """What the task declares; None for a property it leaves alone."""

    source: str | None = None
    allowed_roles: tuple | None = None


@dataclass(frozen=True)
class SettingsPlan:
    """The settings before, the settings the declared state gives, and the PATCH body that gets there."""

    before: dict
    after: dict
    patch: dict

    @property
    def changed(self) -> bool:
        return bool(self.patch)


def declared_settings(*, source: str | None = None, allowed_roles=None) -> DeclaredSettings:
    """Check the declared values before any request; raises PhotoUpdateSettingsError."""
    if source is not None and source not in SOURCES:
        raise PhotoUpdateSettingsError('source must be cloud or onPremises (got %s).' % source)
    if allowed_roles is None:
        return DeclaredSettings(source=source)
    roles = []
    for role in allowed_roles:
        text = str(role).strip()
        if not GUID.match(text):
            raise PhotoUpdateSettingsError(_not_a_role_id(text))
        if text.lower() not in roles:
            roles.append(text.lower())
    return DeclaredSettings(source=source, allowed_roles=tuple(roles))


def _not_a_role_id(text: str) -> str:
    known = {name.lower(): role_id for name, role_id in BUILT_IN_ROLE_IDS.items()}
    hint = ''
    if text.lower() in known:
        hint = ' The template id of %s is %s.' % (text, known[text.lower()])
    return ('allowed_roles takes directory role template ids (GUIDs), not names: %r is not one.%s '
            'See the module documentation for the ids of common roles, or the Roles and administrators page '
            'of the Microsoft Entra admin center.' % (text, hint))


def settings_from_graph(body) -> dict:
    """The returned shape of Graph's object: {'source': str or None, 'allowed_roles': [ids]}."""
    body = body if isinstance(body, dict) else {}
    roles = body.get('allowedRoles') or []
    return {'source': body.get('source'), 'allowed_roles': [str(role) for role in roles]}


def roles_key(roles) -> frozenset:
    # Role template ids are GUIDs: the same role whatever the case, and the order means nothing.
    return frozenset(str(role).lower() for role in roles or [])


def settings_match(first: dict, second: dict) -> bool:
    """Whether two settings are the same: same source, same set of roles."""
    return first.get('source') == second.get('source') and roles_key(first.get('allowed_roles')) == roles_key(second.get('allowed_roles'))


def plan_settings(current: dict, declared: DeclaredSettings) -> SettingsPlan:
    """Compare only the declared properties; no request is sent here."""
    patch = {}
    after = {'source': current.get('source'), 'allowed_roles': list(current.get('allowed_roles') or [])}
    if declared.source is not None and declared.source != current.get('source'):
        patch['source'] = declared.source
        after['source'] = declared.source
    if declared.allowed_roles is not None and roles_key(declared.allowed_roles) != roles_key(current.get('allowed_roles')):
        patch['allowedRoles'] = list(declared.allowed_roles)
        after['allowed_roles'] = list(declared.allowed_roles)
    return SettingsPlan(before=dict(current), after=after, patch=patch)


def settings_client(client: GraphClient) -> GraphClient:
    """A client for the beta endpoint that shares the token, the transport (retries) and the throttle gate of client."""
    if client.api_version == SETTINGS_API_VERSION:
        return client
    return GraphClient(base_url=client.base_url, api_version=SETTINGS_API_VERSION,
                       token_provider=client.token_provider, transport=client.transport, throttle_gate=client.throttle_gate)


def fetch_settings(client: GraphClient) -> dict:
    """The settings Graph holds (client must call beta: see settings_client)."""
    try:
        response = client.request('GET', SETTINGS_PATH)
    except GraphError as error:
        raise PhotoUpdateSettingsError(describe_settings_error('read', error, client)) from None
    return settings_from_graph(_json_body(response))


def _json_body(response):
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


class PhotoUpdateSettingsWriter:
    """The only code in this collection that changes the photo update settings.

    In check mode it returns the predicted settings before any request, so check mode sends no write by construction.
    """

    def __init__(self, client: GraphClient, *, check_mode: bool):
        self.client = client
        self.check_mode = check_mode

    def apply(self, plan: SettingsPlan) -> dict:
        """Carry out plan; return the settings after it (predicted in check mode, Graph's afterwards)."""
        if not plan.changed or self.check_mode:
            return plan.after
        try:
            response = self.client.request('PATCH', SETTINGS_PATH, data=json.dumps(plan.patch).encode('utf-8'),
                                           headers={'Content-Type': 'application/json'})
        except GraphError as error:
            raise PhotoUpdateSettingsError(describe_settings_error('change', error, self.client)) from None
        # The update page says 200 with the object; other pages and tools expect 204 No Content. With an object
        # that holds both properties, that is the answer; otherwise read the settings back.
        body = _json_body(response)
        if response.status_code == 200 and isinstance(body, dict) and {'source', 'allowedRoles'} <= set(body):
            return settings_from_graph(body)
        return fetch_settings(self.client)


# Microsoft's documentation page of photoUpdateSettings (beta) lists `source`; the beta metadata Graph publishes
# (msgraph-metadata, beta-Prod.csdl of 2026-08-04: tests/fixtures/graph-metadata/facts.json) has id and allowedRoles only.
SOURCE_REFUSED_HINT = (' Graph does not know the property source here: Microsoft\'s documentation page for photoUpdateSettings lists '
                       'source, but the beta metadata Graph publishes has only allowedRoles, and this tenant follows the metadata. '
                       'Remove source from the task (allowed_roles still works), or set where photos come from in the Microsoft 365 '
                       'admin center.')


def _refuses_source(message) -> bool:
    """Whether Graph's 400 says that photoUpdateSettings has no property named source."""
    text = (message or '').lower()
    return "'source'" in text and ('does not exist' in text or 'could not find' in text)


def describe_settings_error(operation: str, error: GraphError, client) -> str:
    """'Could not change the tenant's photo update settings: HTTP 403 ..., request-id r. <what to do>'."""
    sentence = "Could not %s the tenant's photo update settings: %s." % (operation, error.describe())
    if error.status == 403:
        hint = (' The module needs the Graph permission %s (%s is enough to read them, as in check mode), '
                'granted with admin consent.' % (WRITE_PERMISSION, READ_PERMISSION))
        if not client.token_provider.is_app_only:
            hint += (' With a delegated token (access_token), the signed-in user also needs the People Administrator '
                     'role, the least privileged role Microsoft lists for this resource.')
        return sentence + hint
    if error.status == 400 and _refuses_source(error.graph_message):
        return sentence + SOURCE_REFUSED_HINT
    if error.status == 400 and 'segment' in (error.graph_message or ''):
        return sentence + ' This Graph endpoint does not offer the photo update settings, which Microsoft publishes on beta only.'
    if error.status == 401 and not isinstance(error, GraphTokenRefused):
        return sentence + ' The access token was refused: it may have expired or be meant for another cloud or resource.'
    return sentence
