#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_photo_update_settings
short_description: Declare who may change profile photos in a Microsoft 365 tenant
version_added: 0.2.0
description:
  - Keeps the tenant's photo update settings in the declared state - where photo updates may come from
    (O(source)) and which directory roles may edit photos in the cloud (O(allowed_roles)).
  - It reads the settings, compares the properties the task gives (and only those), and sends one PATCH with the
    ones that differ. A second run reports C(ok).
  - The settings are a Microsoft Graph beta resource (C(/admin/people/photoUpdateSettings)); v1.0 does not have it.
    The module therefore always calls C(beta) for it, whatever O(api_version) says.
  - Microsoft says a change can take up to 24 hours to apply throughout Microsoft 365.
  - Exchange Online's C(SetPhotoEnabled) setting of OWA mailbox policies also decides whether users can change their
    photo in Outlook on the web. Graph does not reach it, so this module does not manage it;
    see R(Photo governance, ansible_collections.graphops.msgraph.docsite.photo_governance).
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
  - graphops.msgraph.auth
  - graphops.msgraph.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the settings (C(PeopleSettings.Read.All) is enough) and sends no write request.
  diff_mode:
    support: full
    details:
      - The diff shows O(source) and O(allowed_roles) before and after.
  idempotent:
    support: full
options:
  source:
    description:
      - Where photo updates are allowed to come from.
      - V(cloud) - photos are changed in Microsoft 365 (Graph, admin centers, the users themselves).
      - V(onPremises) - photos come from on-premises Active Directory through synchronization; for hybrid tenants.
      - Not compared or changed when not given.
    type: str
    choices: [cloud, onPremises]
    version_added: 0.2.0
  allowed_roles:
    description:
      - Template ids (GUIDs) of the directory roles whose holders may edit photos in the cloud.
      - Compared as a set - the order does not matter, nor the case of the ids, nor duplicates.
        An empty list declares that no role is listed.
      - Not compared or changed when not given.
      - 'Ids of the built-in roles most often allowed, from Microsoft''s page "Microsoft Entra built-in roles" (the same
        in every tenant): People Administrator V(024906de-61e5-49c8-8572-40335f1e0e10), User Administrator
        V(fe930be7-5e62-47db-91af-98c3a49a38b1), Global Administrator V(62e90394-69f5-4237-9190-012177145e10),
        Helpdesk Administrator V(729827e3-9c14-49f7-bb1b-9608f156bbb8), Exchange Administrator
        V(29232cdf-9323-42fd-ade2-1d097af3e4de), Exchange Recipient Administrator V(31392ffb-586c-42d1-9346-e59415a2cc4e).'
      - A value that is not a GUID (for example a role name) fails before any request.
    type: list
    elements: str
    version_added: 0.2.0
notes:
  - Required Graph permission - C(PeopleSettings.ReadWrite.All) (C(PeopleSettings.Read.All) is enough in check mode).
    With a delegated token the signed-in user also needs the People Administrator role.
  - Graph's pages disagree whether the update answers 204 or 200 with the settings; both are accepted, and after a 204
    the settings are read back.
  - At least one of O(source) and O(allowed_roles) is required.
seealso:
  - name: photoUpdateSettings resource type
    description: Microsoft Graph documentation of the photo update settings.
    link: https://learn.microsoft.com/graph/api/resources/photoupdatesettings?view=graph-rest-beta
  - name: Microsoft Entra built-in roles
    description: The template ids of every built-in directory role.
    link: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
'''

EXAMPLES = r'''
- name: Photos are changed in the cloud, by People and User Administrators
  graphops.msgraph.graph_photo_update_settings:
    source: cloud
    allowed_roles:
      - 024906de-61e5-49c8-8572-40335f1e0e10  # People Administrator
      - fe930be7-5e62-47db-91af-98c3a49a38b1  # User Administrator
    tenant_id: "{{ azure_tenant_id }}"
    client_id: "{{ azure_client_id }}"
    client_secret: "{{ azure_client_secret }}"

- name: A hybrid tenant takes photos from on-premises Active Directory (roles left as they are)
  graphops.msgraph.graph_photo_update_settings:
    source: onPremises

- name: Audit the settings without changing them (run with --check --diff)
  graphops.msgraph.graph_photo_update_settings:
    source: cloud
    allowed_roles: [024906de-61e5-49c8-8572-40335f1e0e10]
  check_mode: true
  register: photo_policy
'''

RETURN = r'''
settings:
  description:
    - The photo update settings after the task (in check mode, what they would be).
  returned: success
  type: dict
  contains:
    source:
      description: V(cloud), V(onPremises), or null when the tenant has never set it.
      type: str
      returned: always
      sample: cloud
    allowed_roles:
      description: Template ids of the roles allowed to edit photos in the cloud.
      type: list
      elements: str
      returned: always
      sample: [024906de-61e5-49c8-8572-40335f1e0e10]
diff:
  description: With C(--diff), the settings before and after.
  returned: when diff mode is on
  type: dict
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
'''

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._settings.photo_update_settings import (
    SOURCES,
    PhotoUpdateSettingsWriter,
    declared_settings,
    fetch_settings,
    plan_settings,
    settings_client,
    settings_match,
)


def main():
    graph = GraphModule(
        argument_spec=dict(
            source=dict(type='str', choices=list(SOURCES)),
            allowed_roles=dict(type='list', elements='str'),
        ),
        required_one_of=[('source', 'allowed_roles')],
        supports_check_mode=True,
    )
    params = graph.params
    try:
        # Everything that can be known locally is checked before the first request.
        declared = declared_settings(source=params['source'], allowed_roles=params['allowed_roles'])
        client = settings_client(graph.build_client())
        plan = plan_settings(fetch_settings(client), declared)
        after = PhotoUpdateSettingsWriter(client, check_mode=graph.check_mode).apply(plan)
    except GraphModuleError as exc:
        graph.fail_on_error(exc)

    if not settings_match(after, plan.after):
        # Read back after a 204: Graph may still serve the old settings for a while.
        graph.module.warn('Graph accepted the change but still returns other photo update settings (%s); '
                          'Microsoft says changes can take up to 24 hours to apply.' % after)
    result = dict(changed=plan.changed, settings=after)
    if graph.diff_mode:
        result['diff'] = dict(before=plan.before, after=after,
                              before_header='photo update settings (current)',
                              after_header='photo update settings (%s)' % ('declared' if plan.changed else 'unchanged'))
    graph.exit_json(**result)


if __name__ == '__main__':
    main()
