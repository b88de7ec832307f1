# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The export's logic with a fake Graph and a real folder: names that never become paths, the manifest, killed runs,
sizes Graph does not offer, links and foreign files that are never followed or touched."""

from __future__ import annotations

import hashlib
import io
import json
import os

import pytest
from PIL import Image

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.graphops.msgraph.plugins.module_utils._export.exporter import PhotoExport, export_users
from ansible_collections.graphops.msgraph.plugins.module_utils._export.file_names import name_problem
from ansible_collections.graphops.msgraph.plugins.module_utils._files.file_names import case_duplicates
from ansible_collections.graphops.msgraph.plugins.module_utils._export import folder as folder_module
from ansible_collections.graphops.msgraph.plugins.module_utils._export.folder import ExportFolder
from ansible_collections.graphops.msgraph.plugins.module_utils._export.manifest import MANIFEST_NAME, ExportManifest, ManifestEntry
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchRunner
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, graph_error_body, inner
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import module_args
# The export's folder writes through the private file writer, which sets the process's umask to 077: this fixture
# (autouse) puts the usual one back after each test, so that later tests in the same worker are not run under 077.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import


def jpeg(side: int, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (side, side), colour).save(buffer, 'JPEG', quality=85)
    return buffer.getvalue()


class FakeGraph:
    """Photos by user id: {'etag', 'data', 'side'}; sized renditions made on request. missing_size: how a size the
    photo is not offered in is answered ('404' or '1x1', the latter with a picture of the photo's own size)."""

    def __init__(self, photos: dict, *, missing_size='404', metadata_sizes=True):
        self.photos = photos
        self.missing_size = missing_size
        self.metadata_sizes = metadata_sizes
        self.client = FakeBatchClient(self.answer)

    def answer(self, entry):
        parts = entry['url'].strip('/').split('/')
        user_id, rest = parts[1], parts[2:]
        photo = self.photos.get(user_id)
        if photo is None:
            return inner(entry['id'], 404, graph_error_body('ImageNotFound'))
        if rest == ['photo']:
            body = {'@odata.mediaContentType': 'image/jpeg', '@odata.mediaEtag': photo['etag']}
            if self.metadata_sizes:
                body.update(width=photo['side'], height=photo['side'])
            return inner(entry['id'], 200, body)
        if rest == ['photo', '$value']:
            return inner(entry['id'], 200, photo['data'])
        side = int(rest[1].split('x')[0])
        if side > photo['side']:
            if self.missing_size == '404':
                return inner(entry['id'], 404, graph_error_body('ImageNotFound'))
            return inner(entry['id'], 200, photo['data'])
        return inner(entry['id'], 200, jpeg(side))

    @property
    def downloads(self) -> list:
        return [entry['url'] for entry in self.client.inner_requests if entry['url'].endswith('$value')]


def make_module(*, check_mode=False, **file_options):
    args = dict(file_options)
    if check_mode:
        args['_ansible_check_mode'] = True
    with module_args(args):
        return AnsibleModule(argument_spec={}, add_file_common_args=True, supports_check_mode=True)


def run_export(graph, dest, users, *, name_by='mail', check_mode=False, prune=False, size='full', **options):
    folder = ExportFolder(make_module(check_mode=check_mode), str(dest), check_mode=check_mode)
    export = PhotoExport(graph.client, folder, name_by=name_by, size=size, prune=prune, concurrency=2,
                         runner=BatchRunner(graph.client, sleep=lambda seconds: None), **options)
    report = export.run(export_users(users, name_by=name_by))
    return report, {entry['user']: entry for entry in report.results}


def user(number: int, mail: str | None = None) -> dict:
    return {'id': 'u%d' % number, 'userPrincipalName': 'user%d@contoso.com' % number, 'mail': mail or 'user%d@contoso.com' % number}


def manifest_matches_disk(dest) -> None:
    """The invariant of every finished or killed run: each listed file is on disk with the listed bytes."""
    files = json.loads((dest / MANIFEST_NAME).read_text())['files']
    for name, entry in files.items():
        assert hashlib.sha256((dest / name).read_bytes()).hexdigest() == entry['sha256'], name


@pytest.mark.parametrize('value, words', [
    ('alice@contoso.com', None),
    ('E1001', None),
    ("erin.o'brien", None),
    ('frank_fabrikam.com#EXT#@contoso.com', None),
    ('Zoë Ünïcode', None),
    (None, 'has no mail'),
    ('', 'has no mail'),
    ('   ', 'has no mail'),
    (1001, 'not a string'),
    ('../etc/passwd', 'path separator'),
    ('a/b', 'path separator'),
    ('a\\b', 'path separator'),
    ('..', 'starts with a dot'),
    ('.bashrc', 'starts with a dot'),
    ('nul\x00byte', 'control character'),
    ('tab\tname', 'control character'),
    ('del\x7f', 'control character'),
    ('next\x85line', 'control character'),
    ('x' * 252, 'longer than a file name'),
])
def test_which_values_can_name_a_file(value, words):
    problem = name_problem('mail', value)
    if words is None:
        assert problem is None
    else:
        assert words in problem


def test_values_equal_without_regard_to_case_clash_both_ways():
    clashes = case_duplicates({1: 'Pat', 2: 'pat', 3: 'PAT', 4: 'Sam', 5: 'STRASSE', 6: 'straße'})
    assert clashes == {1: [2, 3], 2: [1, 3], 3: [1, 2], 5: [6], 6: [5]}
    users = export_users([user(1, 'Pat@x.com'), user(2, 'pat@X.com'), user(3, '.hidden')], name_by='mail')
    assert 'user2@contoso.com (pat@X.com)' in users[0].error and 'user1@contoso.com (Pat@x.com)' in users[1].error
    assert users[2].error is None and 'starts with a dot' in users[2].skip_reason


def test_a_manifest_entry_the_module_cannot_have_written_is_dropped_never_acted_on(tmp_path):
    good = {'user_id': 'u1', 'sha256': 'a' * 64, 'etag': '"1"', 'size': 'full', 'content_type': 'image/jpeg'}
    files = {'ok@contoso.com.jpg': good, '../outside.jpg': good, '.hidden.jpg': good, 'a/b.jpg': good, 'notes.txt': good,
             'bad-sha.jpg': dict(good, sha256='xyz')}
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({'format': 'graphops.msgraph.graph_profile_photo_export', 'version': 1, 'files': files}))
    manifest = ExportManifest.load(str(tmp_path))
    assert list(manifest.entries) == ['ok@contoso.com.jpg']
    assert '5 entries' in manifest.warnings[0]
    (tmp_path / MANIFEST_NAME).write_text('{"something": "else"}')
    foreign = ExportManifest.load(str(tmp_path))
    assert foreign.entries == {} and 'not an export manifest' in foreign.warnings[0]


def test_a_tampered_manifest_cannot_make_prune_remove_a_file_outside_dest_dir(tmp_path):
    dest, outside = tmp_path / 'dest', tmp_path / 'outside.jpg'
    dest.mkdir()
    outside.write_bytes(b'keep me')
    entry = {'user_id': 'gone', 'sha256': hashlib.sha256(b'keep me').hexdigest(), 'size': 'full'}
    (dest / MANIFEST_NAME).write_text(json.dumps({'format': 'graphops.msgraph.graph_profile_photo_export', 'version': 1,
                                                 'files': {'../outside.jpg': entry}}))
    report, dummy = run_export(FakeGraph({}), dest, [user(1)], prune=True)
    assert outside.read_bytes() == b'keep me'
    assert report.totals['removed'] == 0 and 'cannot have written' in report.warnings[0]


def test_a_killed_run_leaves_a_manifest_that_never_claims_a_file_it_does_not_hold(tmp_path, monkeypatch):
    photos = {'u%d' % n: {'etag': '"e%d"' % n, 'data': jpeg(120, (n * 40, 0, 0)), 'side': 120} for n in (1, 2, 3)}
    graph = FakeGraph(photos)
    dest = tmp_path / 'dest'
    users = [user(1), user(2), user(3)]
    run_export(graph, dest, users)
    manifest_matches_disk(dest)
    before = (dest / MANIFEST_NAME).read_bytes()

    # Every photo changes in Graph; the run is killed after its first file is in place.
    for number, photo in photos.items():
        photo.update(etag=photo['etag'] + 'b', data=jpeg(120, (0, 0, 200 - len(number))))
    writes = []
    original = ExportFolder.write

    def killed_after_one(self, name, data):
        if writes:
            raise KeyboardInterrupt('killed')
        writes.append(name)
        original(self, name, data)

    monkeypatch.setattr(ExportFolder, 'write', killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_export(graph, dest, users)
    monkeypatch.undo()
    assert (dest / MANIFEST_NAME).read_bytes() == before  # the old manifest, whole
    assert not [name for name in os.listdir(dest) if name.startswith('.graphops-tmp-')]

    # The next run trusts nothing the disk does not confirm: the file written before the kill differs from the
    # manifest's sha256 but holds Graph's bytes (unchanged, recorded), the others are written.
    report, results = run_export(graph, dest, users)
    assert sorted(entry['action'] for entry in results.values()) == ['exported', 'exported', 'unchanged']
    manifest_matches_disk(dest)
    for number in (1, 2, 3):
        assert (dest / ('user%d@contoso.com.jpg' % number)).read_bytes() == photos['u%d' % number]['data']


@pytest.mark.parametrize('missing_size', ['404', '1x1'])
def test_a_size_graph_does_not_answer_is_skipped_even_when_the_metadata_says_nothing(tmp_path, missing_size):
    photos = {'u1': {'etag': '"1"', 'data': jpeg(64), 'side': 64}, 'u2': {'etag': '"2"', 'data': jpeg(240), 'side': 240}}
    graph = FakeGraph(photos, missing_size=missing_size, metadata_sizes=False)
    report, results = run_export(graph, tmp_path / 'dest', [user(1), user(2)], size='96x96')
    assert results['user1@contoso.com']['skipped'] and 'does not offer' in results['user1@contoso.com']['reason']
    assert results['user2@contoso.com']['action'] == 'exported'
    assert sorted(os.listdir(tmp_path / 'dest')) == [MANIFEST_NAME, 'user2@contoso.com.jpg']
    # With the photo's size in the metadata, the small one is not even downloaded.
    graph = FakeGraph(photos, missing_size=missing_size)
    report, results = run_export(graph, tmp_path / 'dest2', [user(1), user(2)], size='96x96')
    assert results['user1@contoso.com']['skipped'] and graph.downloads == ['/users/u2/photos/96x96/$value']


def test_links_and_foreign_look_alikes_are_never_followed_or_touched(tmp_path):
    photos = {'u%d' % n: {'etag': '"%d"' % n, 'data': jpeg(120), 'side': 120} for n in (1, 2, 3)}
    dest, outside = tmp_path / 'dest', tmp_path / 'outside.jpg'
    dest.mkdir()
    outside.write_bytes(b'not yours')
    os.symlink(str(outside), str(dest / 'user1@contoso.com.jpg'))
    (dest / 'USER2@contoso.com.JPG').write_bytes(b'someone else put this here')
    (dest / 'user3@contoso.com.jpeg').write_bytes(b'and this')
    report, results = run_export(FakeGraph(photos), dest, [user(1), user(2), user(3)])
    assert 'symbolic link' in results['user1@contoso.com']['error']
    assert 'USER2@contoso.com.JPG' in results['user2@contoso.com']['error']
    assert 'user3@contoso.com.jpeg' in results['user3@contoso.com']['error']
    assert outside.read_bytes() == b'not yours' and os.path.islink(str(dest / 'user1@contoso.com.jpg'))
    assert (dest / 'USER2@contoso.com.JPG').read_bytes() == b'someone else put this here'
    assert report.totals['failed'] == 3 and not (dest / MANIFEST_NAME).exists()


def test_a_new_name_replaces_the_old_file_without_prune_and_check_mode_changes_nothing(tmp_path):
    photos = {'u1': {'etag': '"1"', 'data': jpeg(120), 'side': 120}, 'u2': {'etag': '"2"', 'data': jpeg(120), 'side': 120}}
    graph = FakeGraph(photos)
    dest = tmp_path / 'dest'
    run_export(graph, dest, [user(1), user(2)])
    del photos['u2']  # no photo any more: kept without prune
    renamed = [user(1, 'alice.new@contoso.com'), user(2)]
    before = {name: (dest / name).read_bytes() for name in os.listdir(dest)}
    report, results = run_export(graph, dest, renamed, check_mode=True)
    assert {name: (dest / name).read_bytes() for name in os.listdir(dest)} == before
    assert results['user1@contoso.com']['action'] == 'exported' and results['user2@contoso.com']['action'] == 'none'
    assert '-user1@contoso.com.jpg' in '-' + report.diff['before'] and 'alice.new@contoso.com.jpg' in report.diff['after']

    report, results = run_export(graph, dest, renamed)
    assert 'Removed user1@contoso.com.jpg' in results['user1@contoso.com']['reason']
    assert 'user2@contoso.com.jpg is kept (prune is false)' in results['user2@contoso.com']['reason']
    assert sorted(os.listdir(dest)) == [MANIFEST_NAME, 'alice.new@contoso.com.jpg', 'user2@contoso.com.jpg']
    assert sorted(json.loads((dest / MANIFEST_NAME).read_text())['files']) == ['alice.new@contoso.com.jpg', 'user2@contoso.com.jpg']
    report, results = run_export(graph, dest, renamed, prune=True)
    assert results['user2@contoso.com']['action'] == 'removed'
    assert sorted(os.listdir(dest)) == [MANIFEST_NAME, 'alice.new@contoso.com.jpg']
    manifest_matches_disk(dest)


def test_a_name_search_while_another_chunk_writes_sees_a_consistent_listing(tmp_path, monkeypatch):
    """The chunks run on threads: one writes a file while another looks for names like its user's. At 1,000 users the
    export failed with 'dictionary changed size during iteration' (make bench, 2026-12-05); here the write comes in
    the middle of the search, every time."""
    folder = ExportFolder(make_module(), str(tmp_path), check_mode=False)
    for number in range(3):
        (tmp_path / ('user%d@contoso.com.jpg' % number)).write_bytes(jpeg(8))
    folder.scan()
    real_key = folder_module.same_name_key
    written = []

    def key_while_another_chunk_writes(stem):
        if not written:
            written.append(stem)
            folder.write('USER1@contoso.com.png', jpeg(8))
        return real_key(stem)

    monkeypatch.setattr(folder_module, 'same_name_key', key_while_another_chunk_writes)
    assert folder.same_name('user1@contoso.com') == ['USER1@contoso.com.png', 'user1@contoso.com.jpg']
    assert folder.kind('USER1@contoso.com.png') == 'file'
    assert folder.remove('USER1@contoso.com.png')
    assert folder.same_name('User1@Contoso.com') == ['user1@contoso.com.jpg']


def test_finding_a_users_files_costs_one_lookup_not_a_scan_of_the_folder(tmp_path, monkeypatch):
    """Each user's look-alike files and manifest entries are found by index: a scan of everything for every user made
    an export of N users cost N * N (3,000 users: 2 s more CPU than 3 x 1,000; 50,000: hours)."""
    users = 400
    for number in range(users):
        (tmp_path / ('user%d@contoso.com.jpg' % number)).write_bytes(b'x')
    keys = []
    real_key = folder_module.same_name_key
    monkeypatch.setattr(folder_module, 'same_name_key', lambda stem: keys.append(stem) or real_key(stem))
    folder = ExportFolder(make_module(), str(tmp_path), check_mode=False)
    folder.scan()
    for number in range(users):
        assert folder.same_name('User%d@contoso.com' % number) == ['user%d@contoso.com.jpg' % number]
    assert len(keys) == 2 * users  # one per entry listed, one per search
    manifest = ExportManifest({'user%d.jpg' % number: ManifestEntry(
        file='user%d.jpg' % number, user_id='u%d' % number, user='user%d' % number, etag='e', sha256='0' * 64,
        size='full', content_type='image/jpeg') for number in range(users)})
    compared = []

    class CountingEntries(dict):
        def values(self):
            compared.append(len(self))
            return super().values()

    manifest.entries = CountingEntries(manifest.entries)
    assert [entry.file for entry in manifest.files_of('U7')] == ['user7.jpg']
    assert manifest.files_of('u401') == [] and not compared


def test_an_export_of_many_chunks_on_several_threads_writes_every_file(tmp_path):
    photos = {'u%d' % number: {'etag': 'e%d' % number, 'data': jpeg(8, (number % 256, 40, 90)), 'side': 8}
              for number in range(600)}
    graph = FakeGraph(photos)
    folder = ExportFolder(make_module(), str(tmp_path), check_mode=False)
    export = PhotoExport(graph.client, folder, name_by='mail', size='full', prune=False, concurrency=8,
                         runner=BatchRunner(graph.client, sleep=lambda seconds: None))
    report = export.run(export_users([user(number) for number in range(600)], name_by='mail'))
    assert report.totals['failed'] == 0, [result['reason'] for result in report.results if result['error']][:3]
    assert sorted(os.listdir(tmp_path)) == sorted(['.graphops-export.json'] + ['user%d@contoso.com.jpg' % n for n in range(600)])
    manifest_matches_disk(tmp_path)
