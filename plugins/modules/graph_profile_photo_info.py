#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_profile_photo_info
short_description: Read the profile photo of a Microsoft Graph user, group, team or contact
version_added: 0.1.0
description:
  - Tells whether a principal has a profile photo and returns its facts (content type, width, height, ETag, sha256,
    perceptual hash, the sizes Graph offers it in).
  - With O(dest), saves the photo to a local file (the chosen O(size), or the largest).
  - Never changes anything in Graph. C(changed) is true only when O(dest) was written or its O(mode) or O(owner) were
    set.
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
  - graphops.msgraph.photo_target
  - graphops.msgraph.auth
  - graphops.msgraph.attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details:
      - In check mode O(dest) is not written and its attributes are not set; C(changed) says whether they would be.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  size:
    description:
      - The size to read, for users, groups and teams. Graph offers a photo in every listed size up to its own.
      - Without it, the largest size is read.
    type: str
    choices: [48x48, 64x64, 96x96, 120x120, 240x240, 360x360, 432x432, 504x504, 648x648]
  dest:
    description:
      - Save the photo to this local file. It is written only when its content differs, atomically.
      - Nothing is written when the principal has no photo. Its directory must exist.
      - A photo is personal data, so the file is readable by its owner only (0600), whatever the umask, unless
        O(mode) or O(owner) say otherwise. They apply to a file that already holds the photo too.
    type: path
  mode:
    description:
      - The permissions of O(dest).
      - Without it, files are 0600 and the folders the task creates 0700, whatever the umask, because photos are
        personal data. With it, files get this mode and the folders the task creates get it with the search bit wherever
        it gives read (V('0640') gives V('0750')); existing folders keep theirs.
      - Quote octal numbers (V('0640')), as with M(ansible.builtin.file). A symbolic mode (V(u=rw,g=r)) applies to files
        only.
      - O(owner) applies too. In this module O(group) names the Graph group whose photo is read, so it never sets the
        group that owns O(dest) (that is the group of the user running the module, or of a setgid folder).
    type: raw
    version_added: 0.3.0
notes:
  - Required Graph permissions (least privileged first). Users - ProfilePhoto.Read.All or User.Read.All.
    Groups and teams - ProfilePhoto.Read.All or Group.Read.All. Contacts - Contacts.Read.
seealso:
  - module: graphops.msgraph.graph_profile_photo
'''

EXAMPLES = r'''
- name: Does Alice have a photo?
  graphops.msgraph.graph_profile_photo_info:
    user: alice@contoso.com
  register: alice_photo

- name: Report it
  ansible.builtin.debug:
    msg: "{{ alice_photo.photo.width }}x{{ alice_photo.photo.height }}, offered in {{ alice_photo.photo.sizes | join(', ') }}"
  when: alice_photo.exists

- name: Save a group's photo as a 96x96 thumbnail
  graphops.msgraph.graph_profile_photo_info:
    group: 4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34
    size: 96x96
    dest: /srv/photos/marketing-96.jpg
'''

RETURN = r'''
principal:
  description:
    - The principal that was read, as a Graph path that names it as Graph does, not URL-encoded (a guest user is
      C(users/frank_fabrikam.com#EXT#@contoso.com)).
  returned: always
  type: str
  sample: users/alice@contoso.com
exists:
  description: Whether the principal has a photo.
  returned: always
  type: bool
  sample: true
photo:
  description: Facts about the photo that was read, or null when there is none. Never the image bytes.
  returned: always
  type: dict
  contains:
    sha256:
      description: SHA-256 of the bytes Graph served.
      type: str
      returned: when a photo exists
    phash:
      description: 64-bit perceptual hash (16 hex digits) of the picture.
      type: str
      returned: when a photo exists
    width:
      description: Width in pixels.
      type: int
      returned: when a photo exists
    height:
      description: Height in pixels.
      type: int
      returned: when a photo exists
    content_type:
      description: The image type, read from the bytes.
      type: str
      returned: when a photo exists
      sample: image/jpeg
    size:
      description: Size in bytes.
      type: int
      returned: when a photo exists
    etag:
      description: The photo's ETag as Graph reports it. It changes on every upload, even of the same picture.
      type: str
      returned: when a photo exists
    sizes:
      description: The sizes Graph offers the photo in; null for contacts, whose photos come in one size.
      type: list
      elements: str
      returned: when a photo exists
      sample: [48x48, 64x64, 96x96, 120x120, 240x240, 360x360]
  sample:
    sha256: 9f2b5c0e4d1a7b3c6e8f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d
    phash: c3e1f0b4d2a59687
    width: 360
    height: 360
    content_type: image/jpeg
    size: 24107
    etag: '"BA09D118"'
    sizes: [48x48, 64x64, 96x96, 120x120, 240x240, 360x360]
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
dest:
  description: The file the photo was saved to.
  returned: when O(dest) is given and a photo exists
  type: str
  sample: /srv/photos/marketing-96.jpg
'''

import os

from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import PrivateFileWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.info import PHOTO_SIZES, read_photo_info
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import (
    TARGET_OPTION_NAMES,
    target_argument_spec,
    target_from_params,
)


def save_photo(module, dest: str, data: bytes) -> bool:
    """Write data to dest atomically when its content differs, privately unless the task's file options say otherwise;
    a file that already holds it gets those options. In check mode only tell whether anything would change."""
    if os.path.isdir(dest):
        module.fail_json(msg='dest %s is a directory; give a file name, for example %s.' % (dest, os.path.join(dest, 'photo.jpg')))
    # The target option group names a Graph group: it never sets the group that owns dest.
    files = PrivateFileWriter(module, not_file_options=TARGET_OPTION_NAMES)
    if os.path.isfile(dest):
        with open(dest, 'rb') as current:
            if current.read() == data:
                return files.update_attributes(dest)
    if module.check_mode:
        return True
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        module.fail_json(msg='The directory of dest %s does not exist; create it first.' % dest)
    try:
        files.write_bytes(dest, data)
    except GraphModuleError as exc:  # LocalFileError: one sentence naming the path and the fix
        module.fail_json(msg=str(exc))
    return True


def main():
    graph = GraphModule(
        argument_spec=dict(
            target_argument_spec(),
            size=dict(type='str', choices=list(PHOTO_SIZES)),
            dest=dict(type='path'),
        ),
        supports_check_mode=True,
        # mode, owner, group: for dest (private by default).
        add_file_common_args=True,
    )
    params = graph.params
    graph.require_pillow()
    try:
        target = target_from_params(params)
        info = read_photo_info(graph.build_client(), target, size=params['size'])
    except GraphModuleError as exc:
        graph.fail_on_error(exc)

    result = dict(changed=False, principal=target.label, exists=info is not None, photo=info.to_dict() if info else None)
    if info is not None and params['dest']:
        result['changed'] = save_photo(graph.module, params['dest'], info.data)
        result['dest'] = params['dest']
    graph.exit_json(**result)


if __name__ == '__main__':
    main()
