# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_dir: the photo Graph holds is saved, byte for byte and privately, before it is replaced or removed; a plan
without its backup never reaches a write; the sync reads the full photo again only for the principals it changes."""

from __future__ import annotations

import datetime
import os
import stat
import threading
from types import SimpleNamespace

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._backup.names import backup_name_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._backup.photo_backups import PhotoBackupError, PhotoBackups, run_stamp
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import photo_facts_from_bytes
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.state import (
    ACTION_REMOVE,
    ACTION_SET,
    PhotoOperationError,
    PhotoPlan,
    PhotoWriter,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.bulk_writer import BatchPhotoWriter
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_directory, items_from_photos
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.plugins.module_utils._directory.scope import UserScope
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.source_of_record import build_source_of_record_items

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_directory_users import USERS, FakeDirectory
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_photo_sync import BLUE, RED, FakeGraph, picture
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
# The writer sets the process umask to 077; this autouse fixture puts the usual one back after each test.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import

STARTED = datetime.datetime(2026, 12, 4, 18, 45, 12, 345000, tzinfo=datetime.timezone.utc)
ALICE = target_from_options(user='alice@contoso.com')
PNG = picture('seagreen', fmt='PNG')


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def replacing(target, before=RED) -> PhotoPlan:
    return PhotoPlan(target, ACTION_SET, photo_facts_from_bytes(before), photo_facts_from_bytes(BLUE),
                     source=SimpleNamespace(data=BLUE, content_type='image/jpeg'))


def removing(target) -> PhotoPlan:
    return PhotoPlan(target, ACTION_REMOVE, photo_facts_from_bytes(RED), None)


def setting_where_none(target) -> PhotoPlan:
    return PhotoPlan(target, ACTION_SET, None, photo_facts_from_bytes(BLUE), source=SimpleNamespace(data=BLUE, content_type='image/jpeg'))


def backups_in(tmp_path, **file_options) -> PhotoBackups:
    return PhotoBackups(str(tmp_path / 'backups'), files=make_writer(**file_options), started=STARTED)


def test_the_run_stamp_is_the_utc_second_the_task_started():
    assert run_stamp(STARTED) == '20261204T184512Z'
    paris = datetime.timezone(datetime.timedelta(hours=1))
    assert run_stamp(datetime.datetime(2026, 12, 4, 19, 45, 12, tzinfo=paris)) == '20261204T184512Z'


@pytest.mark.parametrize('options, data, relative', [
    (dict(user='alice@contoso.com'), RED, 'alice@contoso.com.jpg'),
    (dict(user='E1002'), PNG, 'E1002.png'),                       # Graph kept a PNG: saved as one
    (dict(group='g1'), RED, 'groups/g1.jpg'),
    (dict(team='t1'), RED, 'teams/t1.jpg'),
    (dict(user='alice@contoso.com', contact='c1', contact_folder='f1'), RED, 'contacts/alice@contoso.com/c1.jpg'),
])
def test_each_backup_is_the_photo_byte_for_byte_named_as_a_src_dir_would_name_it(tmp_path, options, data, relative):
    backups = backups_in(tmp_path)
    plan = backups.keep(replacing(target_from_options(**options)), backup_name_from_options(**options), data)
    expected = tmp_path / 'backups' / '20261204T184512Z' / relative
    assert plan.backup_file == str(expected) and os.path.isabs(plan.backup_file)
    assert expected.read_bytes() == data
    assert backups.folder == str(tmp_path / 'backups' / '20261204T184512Z') and backups.saved == 1


def test_backups_and_the_folders_made_for_them_are_private_under_umask_022(tmp_path):
    backups = backups_in(tmp_path)
    backups.keep(removing(ALICE), ('alice@contoso.com',), RED)
    backups.keep(removing(target_from_options(group='g1')), ('groups', 'g1'), RED)
    run = tmp_path / 'backups' / '20261204T184512Z'
    assert mode_of(run / 'alice@contoso.com.jpg') == 0o600 and mode_of(run / 'groups' / 'g1.jpg') == 0o600
    assert mode_of(tmp_path / 'backups') == mode_of(run) == mode_of(run / 'groups') == 0o700
    assert sorted(os.listdir(run)) == ['alice@contoso.com.jpg', 'groups'], 'no temporary file is left'


def test_the_task_mode_applies_to_backups_and_their_folders(tmp_path):
    backups = backups_in(tmp_path, mode='0640')
    backups.keep(removing(ALICE), ('alice@contoso.com',), RED)
    run = tmp_path / 'backups' / '20261204T184512Z'
    assert mode_of(run / 'alice@contoso.com.jpg') == 0o640 and mode_of(run) == 0o750


def test_no_folder_is_made_before_the_first_backup(tmp_path):
    backups = backups_in(tmp_path)
    assert backups.folder is None and not (tmp_path / 'backups').exists()


def test_runs_that_start_in_the_same_second_get_folders_of_their_own(tmp_path):
    for dummy in range(3):
        backups_in(tmp_path).keep(removing(ALICE), ('alice@contoso.com',), RED)
    assert sorted(os.listdir(tmp_path / 'backups')) == ['20261204T184512Z', '20261204T184512Z-2', '20261204T184512Z-3']


def test_runs_racing_for_one_stamp_never_share_a_folder(tmp_path):
    """Each run's mkdir fails when the folder exists, so eight runs started at once get eight folders."""
    runs = [backups_in(tmp_path) for dummy in range(8)]
    start = threading.Barrier(len(runs))

    def back_up(backups, number):
        start.wait()
        backups.keep(removing(ALICE), ('alice@contoso.com',), picture((number * 30, 0, 0), fmt='JPEG'))

    threads = [threading.Thread(target=back_up, args=(backups, number)) for number, backups in enumerate(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({backups.folder for backups in runs}) == 8
    for number, backups in enumerate(runs):
        assert (tmp_path / 'backups' / backups.folder / 'alice@contoso.com.jpg').read_bytes() == picture((number * 30, 0, 0), fmt='JPEG')


@pytest.mark.parametrize('name, words', [
    (('../../etc/cron.d/x',), 'holds a path separator'),
    (('.hidden',), 'starts with a dot'),
    (('a\nb',), 'holds a control character'),
    (('contacts', 'a\\b', 'c1'), 'holds a path separator'),
    ((None,), 'has no value for it'),
])
def test_a_name_that_is_not_a_plain_file_name_is_refused_and_nothing_is_written(tmp_path, name, words):
    backups = backups_in(tmp_path)
    with pytest.raises(PhotoBackupError, match='Could not back up the photo of users/alice@contoso.com, so it was not changed') as error:
        backups.keep(removing(ALICE), name, RED)
    assert words in str(error.value)
    assert not (tmp_path / 'backups').exists() and backups.saved == 0


def test_two_principals_never_share_a_backup_file(tmp_path):
    """Names that differ only in case are one file on some file systems: the second principal fails, the first stays."""
    backups = backups_in(tmp_path)
    backups.keep(removing(ALICE), ('Alice',), RED)
    with pytest.raises(PhotoBackupError, match='its backup file alice is the backup of users/alice@contoso.com in this run'):
        backups.keep(removing(target_from_options(user='bob@contoso.com')), ('alice',), BLUE)
    assert (tmp_path / 'backups' / '20261204T184512Z' / 'Alice.jpg').read_bytes() == RED


@pytest.mark.parametrize('make_unwritable', [
    lambda backup_dir: backup_dir.write_bytes(b'a file where the folder should be'),
    lambda backup_dir: (backup_dir.parent / 'file').write_bytes(b''),
], ids=['a-file', 'under-a-file'])
def test_a_backup_dir_that_cannot_be_a_folder_fails_the_backup(tmp_path, make_unwritable):
    """Root may write anywhere, but not into a path whose part is a regular file."""
    make_unwritable(tmp_path / 'backups')
    backup_dir = tmp_path / 'backups' if (tmp_path / 'backups').exists() else tmp_path / 'file' / 'backups'
    backups = PhotoBackups(str(backup_dir), files=make_writer(), started=STARTED)
    with pytest.raises(PhotoBackupError, match=r'so it was not changed: .* is not a folder: remove it or choose another path'):
        backups.keep(removing(ALICE), ('alice@contoso.com',), RED)
    assert backups.folder is None


def test_an_empty_photo_is_not_a_backup(tmp_path):
    with pytest.raises(PhotoBackupError, match='Graph returned an empty photo'):
        backups_in(tmp_path).keep(removing(ALICE), ('alice@contoso.com',), b'')


# --- the writers: no write without its backup ---
class ExplodingClient:
    def __init__(self):
        self.requests = []

    def request(self, method, path, **kwargs):
        self.requests.append((method, path))
        return SimpleNamespace(status_code=200)


class ExplodingRunner:
    def __init__(self):
        self.requests = []

    def run(self, requests):
        self.requests.extend(requests)
        return {request.id: SimpleNamespace(ok=True) for request in requests}


@pytest.mark.parametrize('plan', [replacing(ALICE), removing(ALICE)], ids=['replace', 'remove'])
def test_a_plan_without_its_backup_never_reaches_the_client(plan):
    client = ExplodingClient()
    with pytest.raises(PhotoOperationError, match='backup_dir is set and there is no backup of the photo Graph holds'):
        PhotoWriter(client, check_mode=False, backups_required=True).apply(plan)
    assert client.requests == []
    # With its backup it goes; without backup_dir nothing is asked of it; check mode sends nothing anyway.
    assert PhotoWriter(client, check_mode=False, backups_required=True).apply(
        PhotoPlan(**dict(plan.__dict__, backup_file='/b/x.jpg'))) is True
    assert PhotoWriter(client, check_mode=False).apply(plan) is True
    assert len(client.requests) == 2
    assert PhotoWriter(client, check_mode=True, backups_required=True).apply(plan) is True and len(client.requests) == 2


def test_a_plan_without_its_backup_never_reaches_the_batch_runner():
    runner = ExplodingRunner()
    bob = target_from_options(user='bob@contoso.com')
    outcome = BatchPhotoWriter(runner, check_mode=False, backups_required=True).apply({
        1: replacing(ALICE), 2: removing(target_from_options(group='g1')), 3: setting_where_none(bob)})
    assert [(request.method, request.path) for request in runner.requests] == [('PUT', '/users/bob@contoso.com/photo/$value')]
    assert 'there is no backup' in outcome[1] and 'there is no backup' in outcome[2] and outcome[3] is None


# --- the sync: one more read, batched, only for what it replaces or removes ---
def declared(tmp_path):
    (tmp_path / 'blue.jpg').write_bytes(BLUE)
    (tmp_path / 'red.jpg').write_bytes(RED)
    return items_from_photos([
        {'user': 'alice@contoso.com', 'src': str(tmp_path / 'blue.jpg')},     # no photo: set, nothing to back up
        {'user': 'bob@contoso.com', 'src': str(tmp_path / 'blue.jpg')},       # the same picture: unchanged
        {'user': 'carol@contoso.com', 'src': str(tmp_path / 'red.jpg')},      # replaced: backed up
        {'group': 'g1', 'state': 'absent'},                                   # removed: backed up
        {'user': 'nobody@contoso.com', 'state': 'absent'},                    # no photo: unchanged
    ])


def graph_photos():
    return FakeGraph({'/users/bob@contoso.com': picture('royalblue'), '/users/carol@contoso.com': BLUE, '/groups/g1': PNG})


def full_reads(client) -> list:
    return [[entry['url'] for entry in payload['requests']] for payload in client.payloads
            if all(entry['method'] == 'GET' and entry['url'].endswith('/photo/$value') for entry in payload['requests'])]


def test_the_sync_saves_what_it_replaces_or_removes_before_writing_it(tmp_path):
    graph = graph_photos()
    before = dict(graph.photos)
    client = FakeBatchClient(graph)
    backups = backups_in(tmp_path)
    report = PhotoSync(client, check_mode=False, backups=backups).run(declared(tmp_path))
    run = tmp_path / 'backups' / '20261204T184512Z'
    assert [result['backup_file'] for result in report.results] == [
        None, None, str(run / 'carol@contoso.com.jpg'), str(run / 'groups' / 'g1.png'), None]
    assert (run / 'carol@contoso.com.jpg').read_bytes() == before['/users/carol@contoso.com']
    assert (run / 'groups' / 'g1.png').read_bytes() == before['/groups/g1']
    assert sorted(os.listdir(run)) == ['carol@contoso.com.jpg', 'groups'] and backups.saved == 2
    # Compared from the 96x96 renditions; the full photos read again only for carol and g1, in one batch, before the writes.
    assert ['/users/carol@contoso.com/photo/$value', '/groups/g1/photo/$value'] in full_reads(client)
    order = [entry['method'] for payload in client.payloads for entry in payload['requests']]
    assert order.index('PUT') > max(index for index, method in enumerate(order) if method == 'GET')
    assert report.totals == {'unchanged': 2, 'set': 2, 'removed': 1, 'failed': 0, 'skipped': 0}


def test_check_mode_saves_nothing_and_reads_nothing_more(tmp_path):
    client = FakeBatchClient(graph_photos())
    report = PhotoSync(client, check_mode=True, backups=backups_in(tmp_path)).run(declared(tmp_path))
    assert not (tmp_path / 'backups').exists()
    assert [result['backup_file'] for result in report.results] == [None] * 5
    assert all('/photos/96x96/' in url or url == '/users/alice@contoso.com/photo/$value' or url == '/users/nobody@contoso.com/photo/$value'
               for payload in client.payloads for url in (entry['url'] for entry in payload['requests']))


def test_a_photo_compared_in_full_is_not_read_again(tmp_path):
    """compare: sha256 reads …/photo/$value to compare: those bytes are the backup."""
    client = FakeBatchClient(graph_photos())
    PhotoSync(client, check_mode=False, compare='sha256', backups=backups_in(tmp_path)).run(declared(tmp_path)[2:4])
    assert len(client.payloads) == 2, 'one batch of reads, one of writes'
    assert (tmp_path / 'backups' / '20261204T184512Z' / 'carol@contoso.com.jpg').read_bytes() == BLUE


def test_a_backup_that_cannot_be_saved_fails_that_principal_before_its_write(tmp_path):
    graph = graph_photos()
    graph.failures[('GET', '/users/carol@contoso.com/photo/$value')] = (403, 'Authorization_RequestDenied')
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=False, backups=backups_in(tmp_path)).run(declared(tmp_path))
    carol = report.results[2]
    assert carol['error'].startswith('Could not back up the photo of users/carol@contoso.com, so it was not changed: ')
    assert 'HTTP 403' in carol['error'] and carol['changed'] is False and carol['backup_file'] is None
    writes = sorted((entry['method'], entry['url']) for entry in client.inner_requests if entry['method'] != 'GET')
    assert writes == [('DELETE', '/groups/g1/photo/$value'), ('PUT', '/users/alice@contoso.com/photo/$value')]
    assert graph.photos['/users/carol@contoso.com'] == BLUE


def test_an_unwritable_backup_dir_fails_only_the_principals_that_need_a_backup(tmp_path):
    (tmp_path / 'backups').write_bytes(b'')
    graph = graph_photos()
    client = FakeBatchClient(graph)
    report = PhotoSync(client, check_mode=False, backups=backups_in(tmp_path)).run(declared(tmp_path))
    assert [bool(result['error']) for result in report.results] == [False, False, True, True, False]
    assert all('is not a folder' in result['error'] for result in report.results[2:4])
    writes = [(entry['method'], entry['url']) for entry in client.inner_requests if entry['method'] != 'GET']
    assert writes == [('PUT', '/users/alice@contoso.com/photo/$value')]


def test_items_carry_the_name_a_src_dir_gives_their_user(tmp_path):
    (tmp_path / 'Bob@contoso.com.jpeg').write_bytes(BLUE)
    assert [item.backup_name for item in items_from_directory(str(tmp_path))] == [('Bob@contoso.com',)]
    assert [item.backup_name for item in items_from_photos([{'user': 'Alice@Contoso.com', 'state': 'absent'},
                                                            {'group': 'g1', 'state': 'absent'}])] == [('Alice@Contoso.com',), ('groups', 'g1')]
    # missing: absent removes e, who has no file: named by its match_by value, so the folder restores it by employeeId.
    items = build_source_of_record_items(FakeDirectory(USERS, {'a', 'e'}), files=[('e1', '/hr/e1.jpg')], match_by='employeeId',
                                         scope=UserScope(filter='x eq 1'), missing='absent')
    assert [(item.principal, item.backup_name) for item in items] == [('users/a@contoso.com', ('e1',)), ('users/e@contoso.com', ('E5',))]
