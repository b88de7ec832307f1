#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_profile_photo_export
short_description: Keep a local folder holding the profile photos Microsoft Graph holds for a set of users
version_added: 0.3.0
description:
  - Declares that O(dest_dir) holds, for every user of O(scope) (every user of the tenant without it) who has a photo,
    the photo Graph serves, byte for byte, in a file named C(<name_by value>.jpg) (C(.png) when Graph serves PNG).
    The folder is itself a O(graphops.msgraph.graph_profile_photo_sync#module:src_dir) for the same
    O(graphops.msgraph.graph_profile_photo_sync#module:match_by).
  - For a copy of the photos before an HR sync replaces them, to move photos to another tenant (export with O(name_by=employeeId)
    or V(mail), then M(graphops.msgraph.graph_profile_photo_sync) with the same O(graphops.msgraph.graph_profile_photo_sync#module:match_by)
    in the other tenant), and to feed systems that take photo files (on-premises Active Directory's C(thumbnailPhoto) takes at
    most 100 KB - O(size=96x96)). See R(Back up and export photos, ansible_collections.graphops.msgraph.docsite.backup_and_export).
  - Idempotent. A file is written only when it is missing or differs from what Graph serves. What the module wrote is
    recorded in a manifest in O(dest_dir), the dot-file C(.graphops-export.json) (user id, file, Graph's photo ETag, sha256,
    O(size)), which a O(graphops.msgraph.graph_profile_photo_sync#module:src_dir) scan ignores. A user whose photo ETag is
    the recorded one and whose file still has the recorded sha256 costs one metadata read (C(…/photo), under 1 KB) and no
    download. A file already at the place the module would write, holding exactly the bytes Graph serves, is left alone and
    recorded as the module's. A file changed on disk is written again.
  - Graph gives a photo a new ETag on every upload, even of the same bytes; such a photo is downloaded once more, its file is
    left alone when the bytes are the same, and the manifest takes the new ETag.
  - Reads with JSON batching (20 requests per C($batch)), at most 4 requests in flight for one mailbox; throttled
    requests (HTTP 429) and unavailable answers (503, 504) are retried after the C(Retry-After) that Graph sent.
  - A user whose O(name_by) value is missing or is not a safe file name (it holds a path separator or a control character,
    or starts with a dot) is skipped with a reason. Two users whose values are equal without regard to case (as a
    case-insensitive file system and the sync's file matching see them) are failed items naming each other, and neither
    file is written. Nothing is ever written outside O(dest_dir), and a symbolic link at a place the module would write
    is never followed. A photo file in O(dest_dir) that the module did not write and whose name differs from a user's file
    only in case or extension fails that user, naming the file; it is never touched.
  - Files are written atomically (a temporary dot-file in O(dest_dir), moved into place); the manifest is written last, so
    a run killed half-way leaves the previous manifest, which the next run checks against the disk. Temporary files that
    a killed run left behind for more than an hour are removed.
  - Files are private by default. Photos are personal data - the files and the manifest are created readable by their owner
    only (0600) whatever the umask, and so is O(dest_dir) when the module creates it (0700), unless O(mode), O(owner) or
    O(group) say otherwise; the files the module holds are kept so, and a difference counts as a change (as in
    M(ansible.builtin.copy)). An existing O(dest_dir) keeps its own mode and owner.
  - An item that fails does not stop the others. The task fails at the end when any item failed, naming each
    failed user and why in RV(ignore:msg), and still returns every result.
  - Check mode writes, removes and creates nothing, and reports the same actions a real run would.
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
  - graphops.msgraph.auth
  - graphops.msgraph.attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One diff for O(dest_dir) - the files added, changed and removed, one line each with its sha256, never the image bytes.
  idempotent:
    support: full
options:
  dest_dir:
    description:
      - The folder that holds the photos. Created, with its missing parents, when missing.
      - Not recursive. Files the module did not write are never removed or changed, except a file at the very place a
        user's photo goes (C(<name_by value>.jpg)), which is replaced by the photo Graph serves.
    type: path
    required: true
  scope:
    description:
      - The users to export, read from Graph, as O(graphops.msgraph.graph_profile_photo_sync#module:scope) of the sync.
        Without O(scope), every user of the tenant.
      - Users are read with C($select) (only the properties needed), 999 per page, following C(@odata.nextLink).
    type: dict
    suboptions:
      group:
        description:
          - The object id of a group; its transitive members that are users are exported (members of nested groups too).
          - Needs the Graph permission C(GroupMember.Read.All) (or a higher one).
        type: str
      filter:
        description:
          - An OData C($filter) on users, such as V(accountEnabled eq true) or V(department eq 'Sales').
          - With O(scope.group), the users in both are exported.
        type: str
  name_by:
    description:
      - The user property that names each file, as O(graphops.msgraph.graph_profile_photo_sync#module:match_by) reads
        file names - C(<value>.jpg), or C(<value>.png) when Graph serves the photo as PNG.
      - A user without the property, or whose value holds a path separator (a slash or a backslash) or a control character, or
        starts with a dot, is skipped with a reason.
    type: str
    default: userPrincipalName
    choices: [userPrincipalName, mail, employeeId, id, mailNickname, onPremisesSamAccountName]
  size:
    description:
      - Which picture to export. V(full) is the photo itself (C(…/photo/$value), up to 648x648, about 50 to 75 KB).
      - A size reads Graph's rendition of that size (C(…/photos/{size}/$value)), a JPEG. Graph offers a photo in every
        size up to its own; a user whose photo is smaller than O(size) is skipped with that reason, and so is one
        for whom Graph answers no picture of that size (a 404, or the C(1x1) size of its beta documentation).
      - V(96x96) fits on-premises Active Directory's C(thumbnailPhoto), which takes at most 100 KB.
    type: str
    default: full
    choices: [full, 48x48, 64x64, 96x96, 120x120, 240x240, 360x360, 432x432, 504x504, 648x648]
  prune:
    description:
      - Remove the files this module wrote earlier (those in its manifest) for users who have no photo any more, no
        photo in O(size), or are no longer in O(scope) (or in the tenant). Never a file it did not write.
      - Without it those files stay, and stay in the manifest, so that a later run with O(prune=true) removes them.
      - Whatever O(prune) says, a file the module wrote for a user under an earlier name (the O(name_by) value changed, or
        Graph now serves PNG instead of JPEG) is removed when that user's photo is written under the new name.
    type: bool
    default: false
  concurrency:
    description:
      - How many workers run at once; each has at most one C($batch) request in flight.
      - Whatever this value, at most 4 requests are in flight for one mailbox.
    type: int
    default: 32
notes:
  - Required Graph permissions - C(User.Read.All) to list the users, C(GroupMember.Read.All) for O(scope.group), and
    C(ProfilePhoto.Read.All) (or C(User.Read.All)) to read the photos.
  - Graph serves what it stored, which is a rewrite of what was uploaded (a JPEG of at most 648x648, metadata stripped),
    not the uploaded file.
requirements:
  - Pillow
seealso:
  - module: graphops.msgraph.graph_profile_photo_sync
  - module: graphops.msgraph.graph_profile_photo_info
  - name: Get profilePhoto
    description: Microsoft Graph documentation of the photo metadata and sizes.
    link: https://learn.microsoft.com/graph/api/profilephoto-get
'''

EXAMPLES = r'''
- name: Every user's photo in /srv/photo-export, named by userPrincipalName
  graphops.msgraph.graph_profile_photo_export:
    dest_dir: /srv/photo-export
  register: photo_export

- name: Show the totals
  ansible.builtin.debug:
    msg: "{{ photo_export.totals }}"

- name: A copy of the employees' photos before the HR sync, named as the HR files are (by employeeId)
  graphops.msgraph.graph_profile_photo_export:
    dest_dir: /var/backups/photos/employees
    name_by: employeeId
    scope:
      group: 8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a
    prune: true

- name: 96x96 thumbnails for on-premises Active Directory (thumbnailPhoto takes at most 100 KB), by sAMAccountName
  graphops.msgraph.graph_profile_photo_export:
    dest_dir: /srv/ad-thumbnails
    name_by: onPremisesSamAccountName
    size: 96x96
    scope:
      filter: accountEnabled eq true
    prune: true

- name: Readable by the members of a group (files 0640, the folder it creates 0750)
  graphops.msgraph.graph_profile_photo_export:
    dest_dir: /srv/intranet/photos
    mode: '0640'
    group: www-data

- name: What would change, without writing anything (with --diff, the files added, changed and removed)
  graphops.msgraph.graph_profile_photo_export:
    dest_dir: /srv/photo-export
    prune: true
  check_mode: true
'''

RETURN = r'''
dest_dir:
  description: The folder, as given (made absolute).
  returned: always
  type: str
  sample: /srv/photo-export
results:
  description:
    - One result per user of the scope, in the order Graph listed them, then one per file removed for a user who is no
      longer in scope.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user's userPrincipalName (for a removed file of a user no longer in scope, as the manifest recorded it).
      type: str
      returned: always
      sample: alice@contoso.com
    id:
      description: The user's object id.
      type: str
      returned: always
      sample: 1c7e3a9f-4b2d-4e86-9a15-3f8c2d7b6e01
    name:
      description: The O(name_by) value that names the user's file; null when it cannot name one.
      type: str
      returned: always
      sample: E1001
    action:
      description:
        - V(exported) (the file was written), V(unchanged) (the file already held the photo), V(removed) (O(prune)
          removed the file), or V(none) (no photo, skipped, or failed). In check mode, what a real run would do.
      type: str
      returned: always
      sample: exported
    changed:
      description: Whether a file was written or removed, or its mode, owner or group set, for this user.
      type: bool
      returned: always
    skipped:
      description: Whether the user was skipped (a name that cannot be a file name, or no photo in O(size)).
      type: bool
      returned: always
    file:
      description: The absolute path of the user's file (the removed one for V(removed)); null when there is none.
      type: str
      returned: always
      sample: /srv/photo-export/alice@contoso.com.jpg
    reason:
      description: Why the action was taken (or why none), one sentence.
      type: str
      returned: always
      sample: The photo's ETag and the file are as at the last export; nothing was downloaded.
    error:
      description: Why the user failed; null when it did not.
      type: str
      returned: always
totals:
  description: How many results had each outcome.
  returned: always
  type: dict
  contains:
    exported:
      description: Files written (in check mode, that would be).
      type: int
      returned: always
      sample: 120
    unchanged:
      description: Files that already held the photo.
      type: int
      returned: always
      sample: 860
    removed:
      description: Files removed by O(prune).
      type: int
      returned: always
      sample: 3
    no_photo:
      description: Users without a photo.
      type: int
      returned: always
      sample: 14
    skipped:
      description: Users skipped (their O(name_by) value cannot be a file name, or Graph offers no picture in O(size)).
      type: int
      returned: always
      sample: 2
    failed:
      description: Users that failed.
      type: int
      returned: always
      sample: 0
stats:
  description:
    - Counters of the run. C(users) is the number of users listed, C(batches) the C($batch) requests, C(inner_requests)
      the requests they carried, C(inner_retries) the ones sent again (C(budget_waits) of them after a budget's 429,
      spending no retry; C(budget_429s) all budget 429s of the run; C(budgets) what the run learned of each budget
      that refused it, as for the sync), C(downloads) the photos downloaded and
      C(downloaded_bytes) their bytes, C(peak_per_mailbox) the most requests in flight for one mailbox,
      C(stale_temporaries) the temporary files of killed runs found, C(directory_requests) and C(directory_seconds) what
      listing the users cost, C(seconds) the wall time of the export, C(cpu_seconds) the CPU time of the module process.
  returned: always
  type: dict
  sample:
    users: 1000
    batches: 50
    inner_requests: 1000
    inner_retries: 0
    budget_waits: 0
    budget_429s: 0
    budgets: {}
    downloads: 0
    downloaded_bytes: 0
    peak_per_mailbox: 1
    stale_temporaries: 0
    directory_requests: 2
    directory_seconds: 0.2
    seconds: 1.4
    cpu_seconds: 1.1
diff:
  description: With C(--diff), the files that change, one line each (C(<file>  sha256:<hex>)) before and after.
  returned: when diff mode is on
  type: dict
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
'''

import os
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._export.exporter import (
    DEFAULT_CONCURRENCY,
    PhotoExport,
    export_users,
    read_users,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._export.folder import ExportFolder
from ansible_collections.graphops.msgraph.plugins.module_utils._export.photo_reads import FULL_SIZE
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.failed_items import failed_items_message
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.info import PHOTO_SIZES
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.user_keys import USER_KEY_PROPERTIES
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import scope_from_option


def main():
    graph = GraphModule(
        argument_spec=dict(
            dest_dir=dict(type='path', required=True),
            scope=dict(type='dict', options=dict(group=dict(type='str'), filter=dict(type='str'))),
            name_by=dict(type='str', default='userPrincipalName', choices=list(USER_KEY_PROPERTIES)),
            size=dict(type='str', default=FULL_SIZE, choices=[FULL_SIZE] + list(PHOTO_SIZES)),
            prune=dict(type='bool', default=False),
            concurrency=dict(type='int', default=DEFAULT_CONCURRENCY),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = graph.params
    graph.require_pillow()
    if params['concurrency'] < 1:
        graph.fail_json(msg='concurrency must be 1 or more (got %d).' % params['concurrency'])
    folder = ExportFolder(graph.module, params['dest_dir'], check_mode=graph.check_mode)
    try:
        # Before any request: a dest_dir that cannot be the folder, or a scope that names nothing.
        scope = scope_from_option(params['scope'])
        folder.check()
        client = graph.build_client(pool_size=params['concurrency'])
        users, directory_stats = read_users(client, scope=scope, name_by=params['name_by'], concurrency=params['concurrency'])
        export = PhotoExport(client, folder, name_by=params['name_by'], size=params['size'], prune=params['prune'],
                             concurrency=params['concurrency'], scope_text=scope.describe() if scope else None)
        report = export.run(export_users(users, name_by=params['name_by']))
    except GraphModuleError as exc:
        graph.fail_on_error(exc)

    for warning in report.warnings:
        graph.module.warn(warning)
    result = dict(
        changed=report.changed,
        dest_dir=os.path.abspath(params['dest_dir']),
        results=report.results,
        totals=report.totals,
        stats=dict(report.stats, cpu_seconds=round(time.process_time(), 2), **directory_stats),
    )
    if graph.diff_mode:
        result['diff'] = report.diff
    if report.failed:
        graph.fail_json(msg=failed_items_message(report.results, name_key='user', noun='users'), **result)
    graph.exit_json(**result)


if __name__ == '__main__':
    main()
