#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_profile_photo
short_description: Set or remove the profile photo of a Microsoft Graph user, group, team or contact
version_added: 0.1.0
description:
  - Keeps the profile photo of one principal in the declared state. It reads the photo Graph holds, compares it with
    O(src), and uploads only when they differ (O(state=present)), or removes the photo only when one exists
    (O(state=absent)).
  - Graph rewrites every uploaded photo (re-encodes it to JPEG, strips metadata, downscales it to at most 648x648 and
    gives it a new ETag), so the bytes and the ETag never tell whether a photo is already set.
    With O(compare=perceptual), the default, two photos are equal when they show the same picture.
  - Check mode sends no write request and reports the C(changed) that the real run would report.
  - With O(backup_dir), the photo Graph holds is saved before the task replaces or removes it. Photos are personal
    data - a backup is readable by its owner only (0600, folders 0700), whatever the umask, unless O(mode) or
    O(owner) say otherwise.
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
  - graphops.msgraph.photo_target
  - graphops.msgraph.photo_upload
  - graphops.msgraph.auth
  - graphops.msgraph.attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the facts of the photo before and after (sha256, perceptual hash, size, width, height,
        content type), never the image bytes. Its headers name the principal and the file.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) sets the photo to O(src) when the current photo differs from it or there is none.
      - V(absent) removes the photo when there is one. A team's photo is removed through its group. For a contact
        it fails without sending anything, because Graph cannot delete contact photos.
    type: str
    default: present
    choices: [present, absent]
  src:
    description:
      - Local image file to set. Required with O(state=present).
      - JPEG, PNG, GIF or BMP, detected from the file's bytes, not its name. Up to 50 MB; with O(prepare=never) at most
        4 MB (Graph's limit), and 648x648 pixels or less is best, because Graph keeps nothing larger.
    type: path
  compare:
    description:
      - How the current photo is compared with O(src).
      - V(perceptual) calls the photos equal when they show the same picture, whatever the service did to the bytes, such as
        a JPEG re-encode (quality 75 or more), a downscale to any size Graph keeps (48x48 to 648x648), EXIF orientation
        applied, transparency flattened. Another photo, a mirror image, a crop of 10% or more, a region of 10% of the
        area painted over, or inverted or strongly shifted colours count as different.
        See R(How photos are compared, ansible_collections.graphops.msgraph.docsite.photo_comparison) for the thresholds.
      - V(sha256) compares bytes only. Use it for services that store bytes as sent; against Microsoft Graph it reports
        a change on every run.
    type: str
    default: perceptual
    choices: [perceptual, sha256]
  backup_dir:
    description:
      - Before the task replaces or removes the photo, save the photo Graph holds (full size, the bytes of
        C(…/photo/$value)) in a folder of this run under this one, like the C(backup) option of M(ansible.builtin.copy).
      - The run's folder is named by the UTC time the task started, such as C(20261204T184512Z); a task run that starts
        in the same second as another (a loop, parallel hosts) gets C(20261204T184512Z-2), then C(-3), and so on. It is
        created only when there is a photo to save. O(backup_dir) is created when missing.
      - A user's photo is saved as C(<user>.jpg), named by the O(user) value as given (C(.png) when Graph serves a PNG),
        so the folder is a C(src_dir) of M(graphops.msgraph.graph_profile_photo_sync) that puts it back. A group's goes
        to C(groups/<id>.jpg), a team's to C(teams/<id>.jpg), a contact's to C(contacts/<user>/<id>.jpg).
      - Setting a photo where there is none needs no backup. Check mode saves nothing.
      - When the backup cannot be saved, the task fails before its write and sends none. Nothing is changed without its backup.
      - The file is readable by its owner only (0600, folders 0700) unless O(mode) or O(owner) say otherwise.
        RV(backup_file) says where it is.
    type: path
    version_added: 0.3.0
  mode:
    description:
      - The permissions of the backup (O(backup_dir)).
      - Without it, files are 0600 and the folders the task creates 0700, whatever the umask, because photos are
        personal data. With it, files get this mode and the folders the task creates get it with the search bit wherever
        it gives read (V('0640') gives V('0750')); existing folders keep theirs.
      - Quote octal numbers (V('0640')), as with M(ansible.builtin.file). A symbolic mode (V(u=rw,g=r)) applies to files
        only.
      - O(owner) applies too. In this module O(group) names the Graph group whose photo is managed, so it never sets
        the group that owns the backup (that is the group of the user running the module, or of a setgid folder).
    type: raw
    version_added: 0.3.0
notes:
  - Writes to Teams and Outlook clients can take minutes to hours to show; Graph reads right after a write can lag.
  - Required Graph permissions (least privileged first). Users - ProfilePhoto.ReadWrite.All or User.ReadWrite.All.
    Groups - ProfilePhoto.ReadWrite.All or Group.ReadWrite.All (app-only access to group photos is a known Graph issue
    and may fail with 403). Teams - TeamSettings.ReadWrite.All, delegated only. Contacts - Contacts.ReadWrite.
    Signed-in user (V(me)) - User.ReadWrite, delegated.
requirements:
  - Pillow
  - opencv-python-headless 4.x, only for O(crop=face)
seealso:
  - name: profilePhoto resource type
    description: Microsoft Graph documentation of profile photos.
    link: https://learn.microsoft.com/graph/api/resources/profilephoto
'''

EXAMPLES = r'''
- name: Set a user's photo (uploads only when the picture differs)
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.com
    src: photos/alice.jpg
    tenant_id: "{{ azure_tenant_id }}"
    client_id: "{{ azure_client_id }}"
    client_secret: "{{ azure_client_secret }}"

- name: Set a group's photo, with credentials from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET
  graphops.msgraph.graph_profile_photo:
    group: 02bd9fd6-8f93-4758-87c3-1fb73740a315
    src: photos/marketing.png

- name: Set a team's photo (delegated token with TeamSettings.ReadWrite.All)
  graphops.msgraph.graph_profile_photo:
    team: 172b0cce-e65d-44ce-9a49-91d9f2e8491e
    src: photos/engineering-team.jpg
    access_token: "{{ delegated_token }}"

- name: Set the signed-in user's own photo
  graphops.msgraph.graph_profile_photo:
    user: me
    src: photos/me.jpg
    access_token: "{{ delegated_token }}"

- name: Set the photo of a contact in a folder of Alice's mailbox
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.com
    contact: AAMkAGI2TAAA=
    contact_folder: AAMkAGI2TAAB=
    src: photos/supplier.jpg

- name: Set a portrait phone photo (EXIF orientation, 5 MB) as the centred square; the module uploads a prepared JPEG
  graphops.msgraph.graph_profile_photo:
    user: carol@contoso.com
    src: photos/carol-phone.jpg
    crop: square
  register: carol_photo

- name: Show whether the upload was prepared and why (for example exif_orientation, larger_than_648px, over_100KB)
  ansible.builtin.debug:
    msg: "{{ carol_photo.upload }}"

- name: Set an HR portrait framed around the face (head and shoulders), as Teams and Outlook show it in a circle
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.com
    src: photos/alice-portrait.jpg
    crop: face
  register: alice_photo

- name: List the photos in which no face was found (they got the centred square)
  ansible.builtin.debug:
    msg: "No face found in {{ alice_photo.principal }}'s photo: check it"
  when: "'no_face_found' in alice_photo.upload.reasons"

- name: Upgrade Active Directory's 96x96 thumbnail to the HR photo, but keep a larger photo the user chose
  graphops.msgraph.graph_profile_photo:
    user: bob@contoso.com
    src: photos/bob.jpg
    replace_smaller_than: 200

- name: Give a default photo only to users who have none; never replace a photo they chose
  graphops.msgraph.graph_profile_photo:
    user: "{{ item }}"
    src: photos/default-avatar.png
    force: false
  loop: "{{ new_hires }}"

- name: Send the file's bytes unchanged, to a service that keeps bytes
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.com
    src: photos/alice.jpg
    prepare: never
    compare: sha256

- name: Remove a user's photo (only when there is one)
  graphops.msgraph.graph_profile_photo:
    user: 4e5c8f37-3f1a-4e3b-9d7e-2a6b1c0d9e8f
    state: absent

- name: Replace a photo, saving the one Graph holds first (to /var/backups/graph-photos/<run stamp>/alice@contoso.com.jpg)
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.com
    src: photos/alice.jpg
    backup_dir: /var/backups/graph-photos
  register: alice_photo

- name: Show where the photo that was replaced is
  ansible.builtin.debug:
    msg: "{{ alice_photo.backup_file }}"
  when: alice_photo.backup_file

- name: Use a national cloud
  graphops.msgraph.graph_profile_photo:
    user: alice@contoso.us
    src: photos/alice.jpg
    cloud: usgov

- name: Audit without changing anything (run with --check --diff)
  graphops.msgraph.graph_profile_photo:
    user: "{{ item }}"
    src: "photos/{{ item }}.jpg"
  loop: "{{ directory_users }}"
  check_mode: true
  diff: true
  register: photo_audit
'''

RETURN = r'''
principal:
  description:
    - The principal the task managed, as a Graph path that names it as Graph does, not URL-encoded (a guest user is
      C(users/frank_fabrikam.com#EXT#@contoso.com)). Diff headers and messages name it the same way.
  returned: always
  type: str
  sample: users/alice@contoso.com
action:
  description: What the task did (or, in check mode, would do) - V(set), V(remove) or V(none).
  returned: always
  type: str
  sample: set
photo:
  description: Facts about the photo before and after the task. Never the image bytes.
  returned: always
  type: dict
  contains:
    before:
      description: Facts of the photo Graph held before the task, or null when it held none.
      type: dict
      returned: always
      sample:
        sha256: 9f2b5c0e4d1a7b3c6e8f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d
        phash: c3e1f0b4d2a59687
        width: 648
        height: 648
        content_type: image/jpeg
        size: 48213
    after:
      description:
        - Facts of the photo after the task, or null when there is none.
        - After an upload these are the facts of what was uploaded (O(src), or the photo prepared from it, see
          RV(upload)); Graph stores its own rewrite of it.
        - With O(force=false) and a photo already there, the facts of that photo, which is kept.
      type: dict
      returned: always
      sample:
        sha256: 1c4e7a9b2d5f8c0e3a6b9d2f5c8e1a4b7d0f3c6e9a2b5d8f1c4e7a0b3d6f9c2e
        phash: c3e1f0b4d2a59687
        width: 800
        height: 800
        content_type: image/png
        size: 291004
upload:
  description:
    - What is (or, in check mode or when the photo already matches, would be) uploaded for O(src). The compare is made
      with it.
    - Null with O(state=absent).
  returned: always
  type: dict
  version_added: 0.2.0
  contains:
    prepared:
      description: Whether a prepared JPEG (see O(prepare)) is uploaded instead of the file's bytes.
      type: bool
      returned: always
      sample: true
    reasons:
      description:
        - Why it was prepared, in this order - C(format_gif) or C(format_bmp), C(exif_orientation), C(transparency),
          C(crop_square), C(crop_face), C(no_face_found), C(larger_than_648px), C(over_100KB); C(prepare_always) when
          O(prepare=always) found no other reason. Empty when the file is sent as it is.
        - C(no_face_found) says that O(crop=face) found no face and set the centred square (since 1.0.0).
      type: list
      elements: str
      returned: always
      sample: [exif_orientation, larger_than_648px, over_100KB]
upgrade:
  description:
    - With O(replace_smaller_than) and a photo that differs from O(src), whether it is replaced (upgraded) or kept, and
      why. Null otherwise (no O(replace_smaller_than), no photo yet, or the photo already shows O(src)).
  returned: always
  type: dict
  version_added: 1.0.0
  contains:
    largest_side:
      description: The largest side of the photo Graph holds, in pixels (null when Graph did not give it; the photo is then kept).
      type: int
      returned: always
      sample: 96
    replace_smaller_than:
      description: O(replace_smaller_than).
      type: int
      returned: always
      sample: 200
    upgraded:
      description: True when the photo is replaced (in check mode, would be); false when it is kept.
      type: bool
      returned: always
      sample: true
    reason:
      description: One sentence that says which and why.
      type: str
      returned: always
      sample: "replaced: its largest side, 96 px, is smaller than replace_smaller_than (200)"
backup_file:
  description:
    - With O(backup_dir), the absolute path of the backup of the photo the task replaced or removed; null when none was
      saved (no O(backup_dir), check mode, or no photo replaced or removed).
  returned: always
  type: str
  version_added: 0.3.0
  sample: /var/backups/graph-photos/20261204T184512Z/alice@contoso.com.jpg
diff:
  description: With C(--diff), the facts before and after, with headers naming the principal and the file.
  returned: when diff mode is on
  type: dict
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
'''

import datetime

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.diff import photo_diff, photo_facts_dict
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import (
    TARGET_OPTION_NAMES,
    check_token_reaches,
    target_argument_spec,
    target_from_params,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    PhotoWriter,
    check_deletable,
    needs_size_for_upgrade,
    plan_photo,
    read_current_photo,
    upgrade_or_keep,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import COMPARE_METHODS
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import load_source_image
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import upload_argument_spec


def main():
    # The run folder of backup_dir is named by the time the task started.
    started = datetime.datetime.now(datetime.timezone.utc)
    graph = GraphModule(
        argument_spec=dict(
            target_argument_spec(),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            src=dict(type='path'),
            compare=dict(type='str', default='perceptual', choices=list(COMPARE_METHODS)),
            backup_dir=dict(type='path'),
            **upload_argument_spec(),
        ),
        required_if=[('state', 'present', ('src',))],
        supports_check_mode=True,
        # mode, owner, group: for the backup (private by default).
        add_file_common_args=True,
    )
    params = graph.params
    graph.require_pillow()
    graph.require_upload_options()

    try:
        target = target_from_params(params)
        # Everything that can be known locally is checked before the first request.
        if params['state'] == 'absent':
            check_deletable(target)
            source = None
        else:
            source = load_source_image(params['src'], prepare=params['prepare'], crop=params['crop'])
        client = graph.build_client()
        check_token_reaches(target, client.token_provider)
        current = read_current_photo(client, target)
        plan = plan_photo(target, current.facts if current else None, state=params['state'], source=source,
                          compare=params['compare'], force=params['force'])
        if needs_size_for_upgrade(plan, params['replace_smaller_than']):
            # The photo just read is …/photo/$value, the largest Graph keeps: its size is the one …/photo gives, without
            # another request.
            plan = upgrade_or_keep(plan, largest_side=max(current.facts.width, current.facts.height),
                                   replace_smaller_than=params['replace_smaller_than'])
        backups_required = params['backup_dir'] is not None
        if backups_required and plan.replaces_photo and not graph.check_mode:
            # Imported here: only a run that backs a photo up needs them (every module run imports, and compiles, each
            # file it imports: docs/docsite/rst/performance.rst, "The one-principal task").
            from ansible_collections.graphops.msgraph.plugins.module_utils._backup.names import (  # pylint: disable=import-outside-toplevel
                backup_name_from_options,
            )
            from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import (  # pylint: disable=import-outside-toplevel
                PhotoBackups,
            )
            from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import (  # pylint: disable=import-outside-toplevel
                PrivateFileWriter,
            )
            # The photo just read is the full one (…/photo/$value): it is what the backup keeps.
            # The target option group names a Graph group: it never sets the group that owns the backup.
            files = PrivateFileWriter(graph.module, not_file_options=TARGET_OPTION_NAMES)
            backups = PhotoBackups(params['backup_dir'], files=files, started=started)
            name = backup_name_from_options(**{option: params[option] for option in TARGET_OPTION_NAMES})
            plan = backups.keep(plan, name, current.data)
        changed = PhotoWriter(client, check_mode=graph.check_mode, backups_required=backups_required).apply(plan)
    except GraphModuleError as exc:
        graph.fail_on_error(exc)

    result = dict(
        changed=changed,
        principal=target.label,
        action=plan.action,
        photo=dict(before=photo_facts_dict(plan.before), after=photo_facts_dict(plan.after)),
        upload=plan.upload,
        upgrade=plan.upgrade,
        backup_file=plan.backup_file,
    )
    if graph.diff_mode:
        result['diff'] = photo_diff(plan, src=params['src'])
    graph.exit_json(**result)


if __name__ == '__main__':
    main()
