#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: graph_profile_photo_sync
short_description: Keep the profile photos of many Microsoft Graph principals in the declared state in one task
version_added: 0.1.0
description:
  - Syncs the photos of many users, groups, teams and contacts in one task, from a list (O(photos)) or from a
    directory of files named after users (O(src_dir)). A loop of M(graphops.msgraph.graph_profile_photo) tasks pays
    Ansible's per-task overhead for every principal; this module pays it once.
  - Reads the current photos with JSON batching (20 requests per C($batch)), compares them with the local files in
    a bounded pool of workers, and writes, again in batches, only the photos that differ. Each item is compared
    like M(graphops.msgraph.graph_profile_photo) does (O(compare)), from Graph's 96x96 rendition of the photo (about
    2-5 KB) rather than the photo itself (50-75 KB); see O(cache) for the fallbacks and for runs that download nothing.
  - Never more than 4 requests are in flight for one mailbox (Outlook's limit); throttled requests (HTTP 429) and
    unavailable answers (503, 504) are retried per item, after the C(Retry-After) that Graph sent with them.
  - An item that fails does not stop the others. The task fails at the end when any item failed, naming each
    failed item and why in RV(ignore:msg), and still returns every result.
  - O(shard_index) and O(shard_count) split the items between several runs (AWX sliced job templates, or several
    inventory hosts) by a stable hash of each principal, so that every item is handled by exactly one shard.
  - O(prepare), O(crop), O(force) and O(replace_smaller_than) apply to every item.
  - With O(backup_dir), the photo Graph holds is saved before the task replaces or removes it, in one folder per task
    run that is itself a O(src_dir) putting those photos back.
  - Check mode sends no write request and reports what a real run would change.
  - Photos are personal data. The files the task writes (O(report), O(cache), the backups of O(backup_dir)) are
    readable by their owner only (files 0600, folders it creates 0700), whatever the umask, unless O(mode), O(owner) or
    O(group) say otherwise; those then apply to each of them (folders get the search bit wherever the mode gives read).
author:
  - graphops.msgraph contributors (!UNKNOWN)
extends_documentation_fragment:
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
      - One diff per changed item, with the facts of the photo before and after (sha256, perceptual hash, size, width,
        height, content type), never the image bytes. Headers name the principal and the file.
  idempotent:
    support: full
options:
  photos:
    description:
      - The photos to keep, one item per principal. Each item names exactly one of O(photos[].user),
        O(photos[].group) or O(photos[].team), or O(photos[].contact) together with O(photos[].user).
      - Two items for the same principal both fail.
      - Mutually exclusive with O(src_dir).
    type: list
    elements: dict
    suboptions:
      user:
        description:
          - The user, by object id or userPrincipalName; V(me) for the signed-in user (needs a delegated token).
          - With O(photos[].contact), the user whose mailbox owns the contact.
        type: str
      group:
        description:
          - The object id of a Microsoft 365 or security group.
        type: str
      team:
        description:
          - The id of a team (the id of its group). A team's photo is its group's photo.
        type: str
      contact:
        description:
          - The id of an Outlook contact in the mailbox of O(photos[].user). Graph cannot delete contact photos.
        type: str
      contact_folder:
        description:
          - The id of the contact folder that holds O(photos[].contact).
        type: str
      src:
        description:
          - Local image file to set (JPEG, PNG, GIF or BMP, judged by its bytes; up to 50 MB, at most 4 MB with
            O(prepare=never)). Required with O(photos[].state=present).
        type: path
      state:
        description:
          - V(present) sets the photo to O(photos[].src) when it differs; V(absent) removes the photo when there is one.
        type: str
        default: present
        choices: [present, absent]
  src_dir:
    description:
      - A directory of photos named C(<userPrincipalName or object id>.<jpg|jpeg|png>), one per user, all with
        state present. Not recursive; other files and hidden files are ignored.
      - A photo file whose name is neither a userPrincipalName nor an object id, or that names a user the tenant does
        not have, is reported as a failed item with the reason; its name is never guessed at.
      - Mutually exclusive with O(photos). Optional with O(scope).
      - With O(match_by) or O(scope), files are matched to users through Graph (see O(match_by)).
    type: path
  match_by:
    description:
      - How the file names of O(src_dir) name users. The stem of each file (its name without the extension) is
        compared, without regard to case, with this user property.
      - V(userPrincipalName) (the default when O(match_by) is not given) also accepts object ids, as before. Without
        O(scope), files named by userPrincipalName or object id are used without reading the directory.
      - V(mail), V(employeeId), V(id), V(mailNickname) and V(onPremisesSamAccountName) look the users up in Graph with
        C($filter), at most 15 values per request (Graph's limit without the advanced query parameters); with
        O(scope), files are first matched among the users in scope, without further requests.
      - A file whose value no user has, or several users have, is a failed item whose error names the file and the
        value; nothing is written for it; the other items go on.
      - V(onPremisesSamAccountName) is looked up with Graph's advanced query parameters (C(ConsistencyLevel=eventual)
        and C($count=true)), which Microsoft documents as required for it.
      - Needs the Graph permission C(User.Read.All) (or a higher one) in addition to the photo permissions.
      - Only with O(src_dir).
    type: str
    choices: [userPrincipalName, mail, employeeId, id, mailNickname, onPremisesSamAccountName]
    version_added: 0.2.0
  scope:
    description:
      - The users the task manages, read from Graph. Without O(scope) the task manages exactly the users its files or
        O(photos) name.
      - With O(scope), a file for a user outside scope is not used; its result has RV(results[].skipped=true), action
        V(none) and a reason, and RV(totals.skipped) counts it. Users in scope without a file are handled as
        O(missing) says.
      - Users are read with C($select) (only the properties needed), 999 per page, following C(@odata.nextLink);
        one listing per part of the scope.
      - Mutually exclusive with O(photos).
    type: dict
    version_added: 0.2.0
    suboptions:
      group:
        description:
          - The object id of a group; its transitive members that are users are in scope (members of nested groups
            too).
          - Listed with Graph's advanced query parameters, which the C(microsoft.graph.user) cast needs; the index
            behind them can lag a little behind recent membership changes.
          - Needs the Graph permission C(GroupMember.Read.All) (or a higher one).
        type: str
      filter:
        description:
          - An OData C($filter) on users, such as V(accountEnabled eq false) or V(department eq 'Sales'). Quote string
            values with single quotes and double a quote inside a value (V(surname eq 'O''Brien')).
          - Sent with Graph's advanced query parameters when Microsoft documents that the filter needs them (the
            operators C(ne), C(not) and C(endsWith), and properties such as C(onPremisesSamAccountName)); when Graph
            still refuses it as needing them, it is sent once more with them.
          - A filter that Graph refuses fails the task with Graph's message; nothing is written.
          - With O(scope.group), the users in scope are those in both.
        type: str
  missing:
    description:
      - What happens to a user in O(scope) who has no file.
      - V(keep) leaves them untouched.
      - V(absent) removes their photo (for example the photos of departed users, with
        O(scope.filter=accountEnabled eq false)).
      - V(default) sets O(default_src) only when they have no photo at all; it never replaces a photo, whatever it shows.
      - V(absent) and V(default) need O(scope).
    type: str
    default: keep
    choices: [keep, absent, default]
    version_added: 0.2.0
  default_src:
    description:
      - The photo for O(missing=default). Required with it, and only used with it.
    type: path
    version_added: 0.2.0
  compare:
    description:
      - How each current photo is compared with its file, as in M(graphops.msgraph.graph_profile_photo).
      - V(perceptual) calls the photos equal when they show the same picture, whatever Graph did to the bytes.
      - V(sha256) compares bytes only; against Microsoft Graph, which rewrites every upload, it reports a change on
        every run.
    type: str
    default: perceptual
    choices: [perceptual, sha256]
  shard_index:
    description:
      - Which shard of the items this task handles, from V(0) to O(shard_count) minus one.
    type: int
    default: 0
  shard_count:
    description:
      - Into how many shards the items are split. An item belongs to shard C(sha256(lower(path)) mod shard_count),
        whatever the order of the list or the directory, so the shards cover every item exactly once. C(path) is the
        principal's path in Graph's URLs, that is RV(results[].principal) URL-encoded (a guest's C(#) as C(%23)).
      - V(1), the default, handles every item.
    type: int
    default: 1
  concurrency:
    description:
      - How many workers run at once; each has at most one C($batch) request in flight.
      - Whatever this value, at most 4 requests are in flight for one mailbox.
    type: int
    default: 32
  report:
    description:
      - Write an HTML report of the run to this path. It shows totals, then one row per item with a thumbnail of the photo Graph
        holds, a thumbnail of the declared photo, and the verdict (unchanged, set or would set, removed or would remove,
        skipped, failed with its reason), filterable by verdict.
      - The file is self-contained (styles, script and thumbnails are inline; it loads nothing from the network), so
        it can be mailed, attached to a ticket or published from an AWX job. About 2.5 to 3.5 KB per item.
      - Written in check mode too, which makes a C(--check) run an audit a person can look at. Writing the local file
        is not a Graph write. It replaces the file atomically; its directory must exist, or the task fails before
        any request.
      - The image bytes are only in the file, never in the task result; RV(report) says where it is.
      - Its thumbnails show people, so the file is readable by its owner only (0600) unless O(mode), O(owner) or
        O(group) say otherwise; in check mode too.
      - See R(Check-mode audits, ansible_collections.graphops.msgraph.docsite.audits) for a screenshot and how to publish the file from an AWX job.
    type: path
    version_added: 0.2.0
  cache:
    description:
      - Keep what each run learned in this local file, so that a repeated run or audit of a principal whose photo and
        file did not change costs one metadata read (C(…/photo), under 1 KB) and no photo download or decode.
      - Per principal it keeps Graph's photo ETag, the sha256 of the file last compared or set, the settings of the
        compare (O(compare), O(prepare), O(crop)), the verdict when it was that the photo already shows the file, and
        the facts shown in RV(results). Graph gives every upload a new ETag, so a photo replaced by anyone since is
        compared again, and so is a changed file. After an upload the module reads the new ETag back.
      - With each sha256 it keeps the file's identity on disk (device, inode, size, modification and change times in
        nanoseconds), and reads the file again only when that changed; a file changed within 2 seconds before it was
        read, or on a filesystem with coarse timestamps, is read on every run. See
        R(Bulk photo sync, ansible_collections.graphops.msgraph.docsite.bulk_sync).
      - Never holds a secret or image bytes. A missing, unreadable or foreign file (another format or version) is
        ignored with a warning and rewritten. The file is replaced atomically at the end of the run; its directory must
        exist, or the task fails before any request.
      - It names people and holds the facts of their photos, so it is readable by its owner only (0600) unless
        O(mode), O(owner) or O(group) say otherwise.
      - Check mode reads it and also updates it with what its reads showed (a principal found in its declared state),
        so that the next audit is cheap too; it never records a photo as set before a real run set it. Writing the
        local file is not a Graph write.
      - Give each shard (O(shard_index)) its own file; runs that share one file at the same time lose each other's
        entries, which only costs compares.
      - Without O(cache), every run compares from a small rendition of Graph's photo (C(…/photos/96x96/$value), about
        2-5 KB), falling back to C(…/photo/$value) for contacts, O(compare=sha256), and photos smaller than 96x96.
        RV(results[].compared_size) says which was compared.
    type: path
    version_added: 0.2.0
  result_detail:
    description:
      - How much of each item RV(results) returns.
      - V(full) returns every key below.
      - V(compact) returns only C(principal), C(src), C(state), C(action), C(changed), C(skipped), C(error), C(reason),
        C(has_photo), C(backup_file) and C(upgrade), which is what a report, a restore or a loop over failed items needs.
        Ansible handles every value of a result twice (the module scrubs C(no_log) values from it, the controller processes it), which costs about 0.37 ms per
        full item and about 0.16 ms per compact one (long paths and reasons stay); at 10,000 principals, about 2 s of the task. See
        R(Performance of the bulk photo sync, ansible_collections.graphops.msgraph.docsite.performance).
      - RV(totals), RV(diff), O(report) and O(cache) are the same with either.
    type: str
    choices: [full, compact]
    default: full
    version_added: 0.2.0
  backup_dir:
    description:
      - Before the task replaces or removes a photo, save the photo Graph holds (full size, the bytes of
        C(…/photo/$value)) in a folder of this run under this one, like the C(backup) option of M(ansible.builtin.copy).
      - The run's folder is named by the UTC time the task started, such as C(20261204T184512Z); a task run that starts
        in the same second as another gets C(20261204T184512Z-2), then C(-3), and so on. It is created at the first
        backup, so a run that replaces and removes nothing leaves no folder. O(backup_dir) is created when missing.
      - A user's file is named as O(src_dir) names that user in this task - the stem of the file that drove the change
        (C(E1002.jpg) with O(match_by=employeeId)), the O(photos[].user) value as given, or, for a user that
        O(missing=absent) removes, its O(match_by) value - with C(.jpg), or C(.png) when Graph serves a PNG. The run's
        folder is therefore itself a O(src_dir) that puts those photos back, synced with the same O(match_by).
      - Groups, teams and contacts go under C(groups/<id>.jpg), C(teams/<id>.jpg) and C(contacts/<user>/<id>.jpg), named
        by the values as given; a O(src_dir) scan is not recursive and does not read them.
      - Setting a photo where there is none needs no backup. Check mode saves nothing and creates no folder.
      - The compare reads a small rendition, so each principal about to be replaced or removed costs one more read,
        of C(…/photo/$value), batched 20 to a C($batch) like the others; the other principals cost nothing more.
      - When the backup cannot be saved (the folder cannot be created or written, the photo cannot be read in full,
        or its name is not a plain file name), that principal fails before its write and no write is sent for it;
        the others go on. Nothing is changed without its backup.
      - Files are readable by their owner only (0600, folders 0700) unless O(mode), O(owner) or O(group) say otherwise.
        RV(results[].backup_file) says where each backup is, RV(backup) which folder this run used.
    type: path
    version_added: 0.3.0
  mode:
    description:
      - The permissions of the files the task writes - the backups (O(backup_dir)), O(report) and O(cache).
      - Without it, files are 0600 and the folders the task creates 0700, whatever the umask, because photos are
        personal data. With it, files get this mode and the folders the task creates get it with the search bit wherever
        it gives read (V('0640') gives V('0750')); existing folders keep theirs.
      - Quote octal numbers (V('0640')), as with M(ansible.builtin.file). A symbolic mode (V(u=rw,g=r)) applies to files
        only.
      - O(owner) and O(group) apply to them too, such as V(photo-auditors) for a report that a group of auditors reads.
    type: raw
    version_added: 0.3.0
notes:
  - Required Graph permissions are those of M(graphops.msgraph.graph_profile_photo) for each kind of principal, and
    with O(match_by) or O(scope) C(User.Read.All), plus C(GroupMember.Read.All) for O(scope.group).
  - A walk-through of a sync from an HR system (files named by employeeId, a group scope, departed users, default
    photos for guests) is in the guide R(Sync photos from your HR system, ansible_collections.graphops.msgraph.docsite.hr_sync).
  - A user named once by object id and once by userPrincipalName counts as two principals for the duplicate check,
    the shard split and the concurrency limit; name each user one way.
  - Writes to Teams and Outlook clients can take minutes to hours to show.
requirements:
  - Pillow
  - opencv-python-headless 4.x, only for O(crop=face)
seealso:
  - module: graphops.msgraph.graph_profile_photo
  - name: JSON batching
    description: Microsoft Graph documentation of C($batch).
    link: https://learn.microsoft.com/graph/json-batching
  - name: Advanced query capabilities on Microsoft Entra ID objects
    description: Which user filters need C(ConsistencyLevel=eventual) and C($count=true).
    link: https://learn.microsoft.com/graph/aad-advanced-queries
'''

EXAMPLES = r'''
- name: Sync a directory of user photos (alice@contoso.com.jpg, 4e5c8f37-....png, ...)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
  register: photo_sync

- name: Show the totals
  ansible.builtin.debug:
    msg: "{{ photo_sync.totals }}"

- name: Declare photos for users, groups and teams, and remove one
  graphops.msgraph.graph_profile_photo_sync:
    photos:
      - user: alice@contoso.com
        src: photos/alice.jpg
      - group: 02bd9fd6-8f93-4758-87c3-1fb73740a315
        src: photos/marketing.png
      - user: bob@contoso.com
        state: absent

- name: Sync HR photos as prepared square JPEGs, and give photos only to users who have none yet
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    crop: square
    force: false
  register: photo_sync

- name: Sync HR portraits framed around the face, and upgrade only the small photos (Active Directory thumbnails)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    match_by: employeeId
    crop: face
    replace_smaller_than: 200
  register: photo_sync

- name: List the photos in which no face was found (they got the centred square), and the photos kept
  ansible.builtin.debug:
    msg:
      no_face: >-
        {{ photo_sync.results | selectattr('upload') | selectattr('upload.reasons', 'contains', 'no_face_found')
           | map(attribute='src') | list }}
      kept: "{{ photo_sync.results | selectattr('upgrade') | rejectattr('upgrade.upgraded') | map(attribute='principal') | list }}"

- name: List the uploads that were prepared, and why
  ansible.builtin.debug:
    msg: "{{ photo_sync.results | selectattr('upload') | selectattr('upload.prepared') | map(attribute='upload') | list }}"

- name: Handle one shard (host variables photo_shard 0..3 and photo_shard_count 4; see docs/docsite/rst/bulk_sync.rst)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    shard_index: "{{ photo_shard }}"
    shard_count: "{{ photo_shard_count }}"

- name: HR photos named by employee number, for the enabled members of All employees (nested groups included)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos            # E1001.jpg, E1002.jpg, ...
    match_by: employeeId
    scope:
      group: 8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a
      filter: accountEnabled eq true

- name: Departed users lose their photo
  graphops.msgraph.graph_profile_photo_sync:
    scope:
      filter: accountEnabled eq false
    missing: absent

- name: Guests without a photo get the default one (a photo they have is never replaced)
  graphops.msgraph.graph_profile_photo_sync:
    scope:
      filter: userType eq 'Guest'
    missing: default
    default_src: /srv/photos/guest.jpg

- name: Audit without changing anything (also run with --diff to see each change)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
  check_mode: true
  register: photo_audit

- name: Nightly audit that downloads nothing for principals whose photo and file did not change
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    cache: /var/cache/graphops/photo-sync-cache.json
  check_mode: true

- name: Nightly sync of a large tenant, returning a compact result per principal
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    cache: /var/cache/graphops/photo-sync-cache.json
    result_detail: compact
  register: photo_sync

- name: List the principals that failed
  ansible.builtin.debug:
    msg: "{{ photo_sync.results | selectattr('error') | map(attribute='principal') | list }}"

- name: Audit with an HTML report that shows both photos of every user
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    report: /var/reports/photos-audit.html
  check_mode: true

- name: The same report, readable by the group of the auditors (it is readable by its owner only otherwise)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    report: /var/reports/photos-audit.html
    mode: '0640'
    group: photo-auditors
  check_mode: true

- name: HR photos by employee number; the photo each user had is saved before it is replaced or removed
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: /srv/hr-photos
    match_by: employeeId
    scope:
      group: 8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a
    missing: absent
    backup_dir: /var/backups/graph-photos
  register: hr_sync

- name: Put back the photos that run replaced or removed (its folder is a src_dir named by employeeId too)
  graphops.msgraph.graph_profile_photo_sync:
    src_dir: "{{ hr_sync.backup.path }}"
    match_by: employeeId
  when: hr_sync.backup.path
'''

RETURN = r'''
results:
  description: One result per item of this shard, in the order of O(photos) or of the file names in O(src_dir).
  returned: always
  type: list
  elements: dict
  contains:
    principal:
      description:
        - The principal, as a Graph path that names it as Graph does, not URL-encoded (a guest user is
          C(users/frank_fabrikam.com#EXT#@contoso.com)), or C(photos[N]) when the item names none.
      type: str
      returned: always
      sample: users/alice@contoso.com
    src:
      description: The local file of the item, or null.
      type: str
      returned: always
      sample: /srv/hr-photos/alice@contoso.com.jpg
    state:
      description: The declared state.
      type: str
      returned: always
      sample: present
    action:
      description:
        - What was done (or, in check mode, would be done), V(set), V(remove) or V(none); for a failed item, what was
          attempted.
      type: str
      returned: always
      sample: set
    changed:
      description: Whether the item changed (in check mode, would change). False for a failed item.
      type: bool
      returned: always
      sample: true
    error:
      description: Why the item failed, as one sentence, or null when it did not.
      type: str
      returned: always
      sample: null
    reason:
      description:
        - A short sentence for reports, such as C(no photo yet), C(the photo differs from src),
          C(a photo is already set; kept because force is false), or the error.
        - "With O(replace_smaller_than), a photo that differs says whether it is replaced or kept and why, such as
          C(the photo differs from src; kept: its largest side, 648 px, is not smaller than replace_smaller_than (200))."
      type: str
      returned: always
      sample: the photo differs from src
    upload:
      description:
        - What is (or would be) uploaded for the item's file, as in M(graphops.msgraph.graph_profile_photo) - C(prepared)
          (bool) and C(reasons) (list). The compare is made with it.
        - Null for O(photos[].state=absent) and for an item that failed before its file was read.
      type: dict
      returned: with O(result_detail=full), the default
      version_added: 0.2.0
      sample:
        prepared: true
        reasons: [transparency, over_100KB]
    compared_size:
      description:
        - Which picture of the photo Graph holds was compared - V(96x96), its small rendition (C(…/photos/96x96/$value)),
          or V(full), C(…/photo/$value) (contacts, O(compare=sha256), a photo smaller than 96x96, or a Graph that does not
          offer that size); null when there was no photo to compare.
        - With O(cache) and RV(results[].cache=hit), the size compared when the verdict was recorded (null after an upload).
      type: str
      returned: with O(result_detail=full), the default
      version_added: 0.2.0
      sample: 96x96
    cache:
      description:
        - With O(cache), V(hit) when the cached verdict held (one metadata read, nothing downloaded or decoded) or V(miss)
          when the item was compared; null without O(cache).
      type: str
      returned: with O(result_detail=full), the default
      version_added: 0.2.0
      sample: hit
    skipped:
      description: True for a file whose user is outside O(scope); nothing was read or written for it.
      type: bool
      returned: always
      sample: false
      version_added: 0.2.0
    upgrade:
      description:
        - With O(replace_smaller_than) and a photo that differs from the item's file, whether it is replaced (upgraded)
          or kept, and why - C(largest_side) (pixels, null when Graph did not give it), C(replace_smaller_than),
          C(upgraded) (bool) and C(reason). Null otherwise.
        - A kept photo counts under RV(totals.kept), and RV(results[].reason) says why it was kept.
      type: dict
      returned: always
      version_added: 1.0.0
      sample:
        largest_side: 648
        replace_smaller_than: 200
        upgraded: false
        reason: "kept: its largest side, 648 px, is not smaller than replace_smaller_than (200)"
    backup_file:
      description:
        - With O(backup_dir), the absolute path of the backup of the photo this item replaced or removed; null when none
          was saved - no O(backup_dir), check mode, nothing replaced or removed, or the item failed before its backup.
        - An item whose write failed after its backup was saved keeps the backup and says where, since Graph may have
          carried out that write all the same.
      type: str
      returned: always
      version_added: 0.3.0
      sample: /var/backups/graph-photos/20261204T184512Z/E1002.jpg
    has_photo:
      description:
        - Whether the principal had a photo when the task read it (with RV(results[].cache=hit), when the cache recorded
          it); null for a failed or skipped item. An audit's "who has no photo" column.
      type: bool
      returned: always
      sample: true
      version_added: 0.2.0
    photo:
      description: Facts of the photo before and after (each null when there is no photo). Never the image bytes.
      type: dict
      returned: with O(result_detail=full), the default
      contains:
        before:
          description:
            - Facts of the photo Graph held as compared (sha256, width, height, content_type, size), or null. With a small
              rendition compared (RV(results[].compared_size)), those of the rendition.
            - The perceptual hash (phash) is only computed, and returned here, with C(--diff); the decision never uses it.
            - With RV(results[].cache=hit), the facts recorded in the cache.
          type: dict
          returned: always
        after:
          description: Facts of the photo after the task, or null. After an upload, the facts of what was sent (the file, or the photo prepared from it).
          type: dict
          returned: always
totals:
  description: How many items of this shard ended in each way.
  returned: always
  type: dict
  contains:
    unchanged:
      description: Items already in the declared state.
      type: int
      returned: always
      sample: 500
    set:
      description: Photos uploaded (in check mode, that would be).
      type: int
      returned: always
      sample: 480
    removed:
      description: Photos removed (in check mode, that would be).
      type: int
      returned: always
      sample: 0
    failed:
      description: Items that failed.
      type: int
      returned: always
      sample: 2
    skipped:
      description: Files for users outside O(scope), not used.
      type: int
      returned: always
      sample: 0
      version_added: 0.2.0
    kept:
      description:
        - Photos that differ from their file and were kept because their largest side is not smaller than
          O(replace_smaller_than) (or Graph did not give their size). They are not counted under RV(totals.unchanged).
      type: int
      returned: when O(replace_smaller_than) is set
      sample: 12
      version_added: 1.0.0
shard:
  description: The split in effect.
  returned: always
  type: dict
  contains:
    index:
      description: O(shard_index).
      type: int
      returned: always
      sample: 0
    count:
      description: O(shard_count).
      type: int
      returned: always
      sample: 1
    in_shard:
      description: Items in this shard.
      type: int
      returned: always
      sample: 1000
    declared:
      description: Items declared in all shards.
      type: int
      returned: always
      sample: 1000
stats:
  description:
    - Counters of the run, for tuning and benchmarks. C(batches) is the number of C($batch) requests,
      C(inner_requests) the requests they carried, C(inner_retries) the ones sent again, C(budget_waits) those of them
      that a budget's 429 sent back to wait until Graph's budget reopened (no retry spent, see
      R(the performance guide,ansible_collections.graphops.msgraph.docsite.performance)), C(budget_429s) the budget 429s
      of the run (single requests too), C(budgets) what the run learned of each budget that refused it, by lane
      (C(read), C(write), or C(mailbox) and the mailbox), in C(counts_in) (C(fixed windows) with the C(allowance) per
      window and C(window_seconds), or C(token bucket) with C(seconds_per_request)) and C(closures), C(peak_per_mailbox) the most
      requests in flight for one mailbox, C(compared) how many items had both photos decoded and compared,
      C(compare_cpu_ms) the CPU time those compares took, C(previews_dropped) the items whose principal has no photo
      and whose local photo was therefore prepared for the upload without the preview a compare needs,
      C(cache_hits) the items whose cached verdict held, C(files_hashed) the local files whose sha256 was computed
      for O(cache) (the others' were reused, as the file's identity on disk had not changed since it was hashed),
      C(seconds) the wall time of the sync, C(max_rss_mb) the peak memory of the module process (after the report and
      the cache are written), and C(cpu_seconds) the CPU time of the module process (imports, token, sync and results).
    - C(directory_requests) is the number of requests (pages included) that read users for O(match_by) and
        O(scope), and C(directory_seconds) the time they took.
  returned: always
  type: dict
  sample:
    items: 1000
    batches: 75
    inner_requests: 1500
    inner_retries: 0
    budget_waits: 0
    budget_429s: 3
    budgets:
      write: {counts_in: fixed windows, allowance: 3000, window_seconds: 150.0, closures: 1}
    peak_per_mailbox: 1
    compared: 750
    compare_cpu_ms: 980.4
    previews_dropped: 210
    cache_hits: 0
    files_hashed: 0
    seconds: 1.9
    max_rss_mb: 71.2
    cpu_seconds: 1.4
    directory_requests: 0
    directory_seconds: 0.0
diff:
  description:
    - With C(--diff), one diff per changed item, with the facts before and after.
    - With O(replace_smaller_than), also one per photo kept, and each of them says which photos are upgraded and which
      kept, and why.
  returned: when diff mode is on
  type: list
  elements: dict
report:
  description: The HTML report written for O(report).
  returned: when O(report) is set
  type: dict
  version_added: 0.2.0
  contains:
    path:
      description: Where the report is.
      type: str
      returned: always
      sample: /var/reports/photos-audit.html
    rows:
      description: Rows in the report (one per item of this shard).
      type: int
      returned: always
      sample: 1000
    bytes:
      description: Size of the report file.
      type: int
      returned: always
      sample: 3512000
backup:
  description: The backups of this run, for O(backup_dir).
  returned: when O(backup_dir) is set
  type: dict
  version_added: 0.3.0
  contains:
    path:
      description: The run's folder, or null when this run saved no backup (the folder is created at the first one).
      type: str
      returned: always
      sample: /var/backups/graph-photos/20261204T184512Z
    files:
      description: Backups this run saved.
      type: int
      returned: always
      sample: 2
cache:
  description: The cache written for O(cache).
  returned: when O(cache) is set
  type: dict
  version_added: 0.2.0
  contains:
    path:
      description: Where the cache is.
      type: str
      returned: always
      sample: /var/cache/photos/sync-cache.json
    hits:
      description: Items whose cached verdict held.
      type: int
      returned: always
      sample: 998
    entries:
      description: Principals in the file.
      type: int
      returned: always
      sample: 1000
graph_retries:
  description: Retries the module made (status or error, and the wait), at verbosity 3 or more when there were any.
  returned: when retries happened and verbosity >= 3, or when the task failed
  type: list
  elements: str
'''

import datetime
import os
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import LocalFileError, PrivateFileWriter

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._module.failed_items import failed_items_message
from ansible_collections.graphops.msgraph.plugins.module_utils._module.graph_module import GraphModule
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import COMPARE_METHODS
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.shards import select_shard
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import (
    DEFAULT_CONCURRENCY,
    RESULT_DETAILS,
    PhotoSync,
    SyncReport,
    compact_results,
    totals_of,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.cache import PhotoSyncCache, check_cache_path
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_directory, items_from_photos, list_photo_files
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record_options import (
    MATCH_BY_CHOICES,
    MISSING_CHOICES,
    needs_directory,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_argument_spec
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import upload_argument_spec


def peak_memory_mb():
    try:
        import resource  # pylint: disable=import-outside-toplevel
    except ImportError:  # not on Windows; modules run on Linux and macOS
        return None
    # ru_maxrss is in KiB on Linux (bytes on macOS, where this overstates: good enough for a counter).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def local_write_failure(option: str, path: str, exc: Exception) -> str:
    """One sentence for a local file that could not be written: LocalFileError already names the path and the fix;
    an OSError while filling the file (a full disk) names only its cause."""
    if isinstance(exc, LocalFileError):
        return '%s: %s' % (option, exc)
    return 'Could not write the %s %s: %s; check the disk and the directory.' % (option, path, getattr(exc, 'strerror', None) or exc)


def write_html_report(graph, files, html_report, items: list, report: SyncReport, result: dict) -> dict:
    """Write the report (results are in item order); a failure to write fails the task with every result."""
    rows = list(zip([item.index for item in items], report.results))
    try:
        with html_report:
            return html_report.write(rows, report.totals, files=files)
    except (LocalFileError, OSError) as exc:
        graph.fail_json(msg=local_write_failure('report', html_report.path, exc), **result)
    return {}


def source_of_record_items(graph, client, params) -> tuple:
    """Items for match_by / scope / missing, and the directory read counters; fails the module on a read error."""
    # Imported here (see scope_of): only a run that reads the directory needs the directory code.
    from ansible_collections.graphops.msgraph.plugins.module_utils._directory.users import UserDirectory  # pylint: disable=import-outside-toplevel
    from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record import (  # pylint: disable=import-outside-toplevel
        build_source_of_record_items,
    )
    files = list_photo_files(params['src_dir']) if params['src_dir'] is not None else []
    directory = UserDirectory(client, concurrency=min(8, params['concurrency']))
    try:
        items = build_source_of_record_items(directory, files=files, match_by=params['match_by'], scope=params['scope'],
                                             missing=params['missing'], default_src=params['default_src'])
    except GraphModuleError as exc:
        graph.fail_on_error(exc)
    return items, dict(directory_requests=directory.stats.requests, directory_seconds=round(directory.stats.seconds, 3))


# The report's and the directory's code are imported by the functions below, only by a run that uses them: a module
# run imports, and compiles, every file it imports (docs/docsite/rst/performance.rst, "The one-principal task").
def scope_of(option: dict | None):
    """The scope option as a UserScope, or None; GraphOptionError when it names nothing usable."""
    if option is None:
        return None
    from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import scope_from_option  # pylint: disable=import-outside-toplevel
    return scope_from_option(option)


def check_report_option(path: str) -> None:
    from ansible_collections.graphops.msgraph.plugins.module_utils._report.report_html import check_report_path  # pylint: disable=import-outside-toplevel
    check_report_path(path)


def new_html_report(graph, params, *, declared: int):
    from ansible_collections.graphops.msgraph.plugins.module_utils._report.report_html import PhotoReportHtml  # pylint: disable=import-outside-toplevel
    return PhotoReportHtml(params['report'], check_mode=graph.check_mode, compare=params['compare'],
                           source=params['src_dir'] or '%d items of photos' % declared,
                           shard=(params['shard_index'], params['shard_count']), prepare=params['prepare'], crop=params['crop'])


def validate_source_of_record_options(params) -> str | None:
    """One sentence for the first option combination that cannot work, or None."""
    if params['match_by'] is not None and params['src_dir'] is None:
        return 'match_by says how the file names of src_dir name users; add src_dir or remove match_by.'
    if params['scope'] is None and params['missing'] != 'keep':
        return 'missing: %s applies to the users in scope who have no file; add scope (group and/or filter).' % params['missing']
    if params['missing'] == 'default' and not params['default_src']:
        return 'missing: default needs default_src, the photo to set for users in scope who have none.'
    if params['default_src'] and params['missing'] != 'default':
        return 'default_src is only used with missing: default; set missing: default or remove default_src.'
    if params['default_src'] and not os.path.isfile(params['default_src']):
        return 'default_src %s is not a file.' % params['default_src']
    return None


def load_cache(graph, path):
    """The cache of earlier runs, or None without the option; its warnings (missing, unreadable, foreign) are shown."""
    if path is None:
        return None
    cache = PhotoSyncCache.load(path)
    for warning in cache.warnings:
        graph.module.warn(warning)
    return cache


def save_cache(graph, files, cache, result: dict) -> dict:
    """Write the cache; a failure to write fails the task with every result (the next run only compares more)."""
    try:
        cache.save(files=files)
    except (LocalFileError, OSError) as exc:
        graph.fail_json(msg=local_write_failure('cache', cache.path, exc), **result)
    return dict(path=cache.path, hits=cache.hits, entries=len(cache.entries))


def main():
    # The run folder of backup_dir is named by the time the task started.
    started = datetime.datetime.now(datetime.timezone.utc)
    photo_options = target_argument_spec()
    photo_options.update(
        src=dict(type='path'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    graph = GraphModule(
        argument_spec=dict(
            photos=dict(type='list', elements='dict', options=photo_options),
            src_dir=dict(type='path'),
            match_by=dict(type='str', choices=list(MATCH_BY_CHOICES)),
            scope=dict(type='dict', options=dict(group=dict(type='str'), filter=dict(type='str'))),
            missing=dict(type='str', default='keep', choices=list(MISSING_CHOICES)),
            default_src=dict(type='path'),
            compare=dict(type='str', default='perceptual', choices=list(COMPARE_METHODS)),
            shard_index=dict(type='int', default=0),
            shard_count=dict(type='int', default=1),
            concurrency=dict(type='int', default=DEFAULT_CONCURRENCY),
            report=dict(type='path'),
            cache=dict(type='path'),
            result_detail=dict(type='str', default='full', choices=list(RESULT_DETAILS)),
            backup_dir=dict(type='path'),
            **upload_argument_spec(),
        ),
        mutually_exclusive=[('photos', 'src_dir'), ('photos', 'scope')],
        required_one_of=[('photos', 'src_dir', 'scope')],
        supports_check_mode=True,
        # mode, owner, group: for the report, the cache and the backups (private by default).
        add_file_common_args=True,
    )
    params = checked_params(graph)
    # Everything the run holds (the items, the cache's entries, the sync's own state) is gone when sync_task returns:
    # exit_json then copies the results (no_log scrubbing) and serialises them, which at 50,000 principals is the
    # module's peak of memory (docs/docsite/rst/performance.rst, "Very large tenants").
    result, failure = sync_task(graph, params, started=started)
    if failure:
        graph.fail_json(msg=failure, **result)
    graph.exit_json(**result)


def checked_params(graph) -> dict:
    """The module's parameters once every check that needs no request passed (else the module fails here)."""
    params = graph.params
    graph.require_pillow()
    if params['concurrency'] < 1:
        graph.fail_json(msg='concurrency must be 1 or more (got %d).' % params['concurrency'])
    graph.require_upload_options()

    problem = validate_source_of_record_options(params)
    if problem:
        graph.fail_json(msg=problem)
    try:
        scope = scope_of(params['scope'])
        # Before any request: the directory is read below when match_by or scope need it.
        if params['report'] is not None:
            check_report_option(params['report'])
        if params['cache'] is not None:
            check_cache_path(params['cache'])
    except GraphModuleError as exc:
        graph.fail_on_error(exc)
    return dict(params, scope=scope)


def sync_task(graph, params, *, started: datetime.datetime) -> tuple:
    """(the module's result, the failure message or None) of the whole sync; ``started`` names backup_dir's run folder."""
    client = None
    directory_stats = dict(directory_requests=0, directory_seconds=0.0)
    try:
        if needs_directory(match_by=params['match_by'], scope=params['scope']):
            client = build_client(graph, params)
            all_items, directory_stats = source_of_record_items(graph, client, params)
        elif params['src_dir'] is not None:
            all_items = items_from_directory(params['src_dir'])
        else:
            all_items = items_from_photos(params['photos'])
        items = select_shard(all_items, shard_index=params['shard_index'], shard_count=params['shard_count'],
                             key=lambda item: item.key)
    except GraphModuleError as exc:
        graph.fail_on_error(exc)
    html_report = None
    if params['report'] is not None:
        html_report = new_html_report(graph, params, declared=len(all_items))

    cache = load_cache(graph, params['cache'])
    files = PrivateFileWriter(graph.module)
    backups = None
    if params['backup_dir'] is not None:
        # Imported here, as the report's and the directory's code are (see scope_of).
        from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import (  # pylint: disable=import-outside-toplevel
            PhotoBackups,
        )
        backups = PhotoBackups(params['backup_dir'], files=files, started=started)
    report = SyncReport(results=[], totals=totals_of([], kept=params['replace_smaller_than'] is not None), diffs=[])
    if items:
        client = client or build_client(graph, params)
        sync = PhotoSync(client, check_mode=graph.check_mode, compare=params['compare'],
                         want_diff=graph.diff_mode,
                         concurrency=params['concurrency'], app_only=client.token_provider.is_app_only,
                         prepare=params['prepare'], crop=params['crop'], force=params['force'], cache=cache,
                         backups=backups, replace_smaller_than=params['replace_smaller_than'],
                         # The report shows facts of every item: with one, results are made compact at the end.
                         result_detail=params['result_detail'] if html_report is None else 'full')
        if html_report is not None:
            sync.on_images = html_report.add_images
        report = sync.run(items)

    def run_stats():
        return dict(report.stats, max_rss_mb=peak_memory_mb(), cpu_seconds=round(time.process_time(), 2), **directory_stats)

    result = dict(
        changed=report.changed,
        results=report.results,
        totals=report.totals,
        shard=dict(index=params['shard_index'], count=params['shard_count'], in_shard=len(items), declared=len(all_items)),
        stats=run_stats(),
    )
    if graph.diff_mode:
        result['diff'] = report.diffs
    if backups is not None:
        result['backup'] = dict(path=backups.folder, files=backups.saved)
    if html_report is not None:
        result['report'] = write_html_report(graph, files, html_report, items, report, result)
    if cache is not None:
        result['cache'] = save_cache(graph, files, cache, result)
    if params['result_detail'] == 'compact':
        # After the report, which uses every key (without one, the sync made them compact already).
        result['results'] = compact_results(report.results)
    # Again: the peak memory and CPU once the report and the cache are written (before exit_json copies the results).
    result['stats'] = run_stats()
    return result, failed_items_message(report.results, name_key='principal', noun='items') if report.failed else None


def build_client(graph, params):
    try:
        client = graph.build_client(pool_size=params['concurrency'])
        # One token before the workers start, so that they do not all ask for one at once.
        client.token_provider.get_token()
    except GraphModuleError as exc:
        graph.fail_on_error(exc)
    return client


if __name__ == '__main__':
    main()
