#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_profile_photo_probe
short_description: Find out what a Microsoft 365 tenant does to uploaded profile photos, on one test user
version_added: 1.0.0
description:
  - Runs a fixed set of experiments on one named test O(user) (and optionally one O(group)) and reports what Graph did
    with each upload - whether it re-encodes (and at which JPEG quality), crops to a square, applies the EXIF orientation, what transparency
    becomes, which sizes it keeps and offers, what a size it does not offer answers, whether a photo PUT inside
    C($batch) is accepted, whether an app-only token may write a group photo, and which throttling headers it sends.
  - Where public sources leave Graph's behaviour open, the collection's modules are tested under every possibility;
    the probe tells which one is your tenant's. Its RV(emulator_profile) makes the Graph emulator behave the same, to
    rehearse playbooks against it; see R(Verify your tenant before production, ansible_collections.graphops.msgraph.docsite.verify_tenant).
  - It writes to the named principals only. Their photos are kept first (in O(backup_dir), else in a private temporary
    folder) and put back at the end, also when an experiment fails or Graph throttles; a principal that had no photo
    ends with none. The photo put back is uploaded again, so Graph re-encodes it and gives it a new ETag.
  - Use a test user with an Exchange Online mailbox, not a person's account - users see their photo change for about
    a minute, and clients may cache one of the test pictures for hours.
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
  - graphops.msgraph.auth
  - graphops.msgraph.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode checks the user (and group) and reads the user's photo, then returns the experiments and the requests
        they would send in RV(experiments). It sends no write and saves no backup.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every run uploads the test pictures (and puts the photos back), so it always reports C(changed).
options:
  user:
    description:
      - The test user, by object id or userPrincipalName. It must exist and have an Exchange Online mailbox.
    type: str
    required: true
  group:
    description:
      - A test group (object id) whose photo an app-only token tries to write (RV(facts.group_app_only_write)).
      - Without it, or with a delegated token, that fact is V(not_probed).
    type: str
  backup_dir:
    description:
      - Where the photos of the probed principals are kept while the probe runs, as the O(graphops.msgraph.graph_profile_photo#module:backup_dir)
        option of M(graphops.msgraph.graph_profile_photo) keeps them (a folder per run, named by its UTC start time, files 0600).
        They stay there.
      - Without it, they are kept in a private temporary folder, removed once the photos are back.
    type: path
notes:
  - Required Graph permissions (application) - ProfilePhoto.ReadWrite.All (or User.ReadWrite.All) and User.ReadBasic.All
    (or User.Read.All) to check the test user; with O(group), Group.ReadWrite.All (or ProfilePhoto.ReadWrite.All) and
    GroupMember.Read.All (or Group.Read.All).
  - A missing permission, a user that does not exist or has no mailbox fail the task before any write, with a message
    naming the problem.
seealso:
  - module: graphops.msgraph.graph_profile_photo
  - ref: ansible_collections.graphops.msgraph.docsite.verify_tenant
    description: Verify your tenant before production.
'''

EXAMPLES = r'''
- name: What does this tenant do to photos?
  graphops.msgraph.graph_profile_photo_probe:
    user: photo-probe@contoso.com
    group: 4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34
  register: probe

- name: Keep the emulator profile that reproduces it
  ansible.builtin.copy:
    content: "{{ probe.emulator_profile | to_nice_yaml }}"
    dest: tenant-profile.yml
    mode: '0644'
'''

RETURN = r'''
facts:
  description: What Graph did, one key per experiment. Empty in check mode.
  returned: always
  type: dict
  contains:
    reencoded:
      description: Whether the stored bytes differ from the uploaded ones.
      type: bool
    crop:
      description: V(square) when a 2:1 upload is stored square, else V(none). C(observations.crop.part) says which part was kept.
      type: str
    exif_orientation:
      description: V(applied) when a picture stored turned, with EXIF orientation 6, shows upright; else V(ignored).
      type: str
    transparency:
      description: What the transparent pixels of a PNG become - V(white), V(black), or V(dropped) (the colour they held shows).
      type: str
    value_keeps_alpha:
      description: Whether C(…/photo/$value) kept the PNG's alpha channel (the transparency is then read from a sized rendition).
      type: bool
    jpeg_quality:
      description: The quality the stored photo was most likely encoded at (1 to 100), read from its quantization table; null when Graph stored no JPEG.
      type: int
    largest_side:
      description: The stored side after a 1000x1000 upload.
      type: int
    snapped:
      description: Whether a 500x500 upload is stored at a listed size (432) rather than at 500.
      type: bool
    sizes:
      description: What C(…/photos) lists after the 1000x1000 upload.
      type: list
      elements: str
    same_bytes_new_etag:
      description: Whether the same bytes uploaded twice get a new ETag.
      type: bool
    unknown_size:
      description: The answer for a size the photo is not offered in - V(404) or V(1x1).
      type: str
    batch_upload:
      description: V(accepted) or V(refused) - a photo PUT inside C($batch), as the sync sends it.
      type: str
    group_app_only_write:
      description: V(allowed), V(denied) or V(not_probed) - an app-only write of O(group)'s photo (its photo put back).
      type: str
    throttle_headers:
      description: The names (lower case) of throttling-related response headers seen, such as C(retry-after) or C(x-ms-resource-unit); never their values.
      type: list
      elements: str
  sample:
    reencoded: true
    jpeg_quality: 85
    crop: none
    exif_orientation: applied
    transparency: white
    value_keeps_alpha: false
    largest_side: 648
    snapped: false
    sizes: [48x48, 64x64, 96x96, 120x120, 240x240, 360x360, 432x432, 504x504, 648x648]
    same_bytes_new_etag: true
    unknown_size: '404'
    batch_upload: accepted
    group_app_only_write: allowed
    throttle_headers: []
observations:
  description: Per experiment, what was sent and what came back (sizes, ETags, pixel samples). Never a token.
  returned: always
  type: dict
emulator_profile:
  description:
    - The Graph emulator's settings that reproduce the facts; write it to a file and start the emulator with
      C(python -m graph_emulator --profile FILE). Empty in check mode.
  returned: always
  type: dict
  sample: {rewrite: true, aspect: keep, exif_orientation: apply, flatten_background: white, snap_sizes: false, missing_size: '404'}
differences:
  description: The settings of RV(emulator_profile) where this tenant differs from the emulator's defaults, each with C(tenant) and C(emulator_default).
  returned: always
  type: dict
  sample: {aspect: {tenant: crop_square, emulator_default: keep}}
restored:
  description: Whether the probed principals are as they began (their photo put back, or none when they had none).
  returned: always
  type: bool
kept:
  description: Each probed principal, whether it had a photo, and its backup file (null unless O(backup_dir) was given).
  returned: when not in check mode
  type: list
  elements: dict
experiments:
  description: The experiments in the order they run, with the facts each gives and the requests it sends.
  returned: always
  type: list
  elements: dict
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
'''

import datetime

from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import PrivateFileWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.probe_run import ProbeFailed, ProbeRun


def main():
    # The run folder of backup_dir is named by the time the task started.
    started = datetime.datetime.now(datetime.timezone.utc)
    graph = GraphModule(
        argument_spec=dict(
            user=dict(type='str', required=True),
            group=dict(type='str'),
            backup_dir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    params = graph.params
    graph.require_pillow()
    try:
        run = ProbeRun(graph.build_client(), user=params['user'], group=params['group'], backup_dir=params['backup_dir'],
                       files=PrivateFileWriter(graph.module, not_file_options=('group',)), started=started,
                       check_mode=graph.check_mode)
        result = run.run()
    except ProbeFailed as exc:
        graph.fail_json(msg=str(exc), **exc.result)
    except GraphModuleError as exc:
        graph.fail_on_error(exc)
    graph.exit_json(**result)


if __name__ == '__main__':
    main()
