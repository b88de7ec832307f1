# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files that hold photos are private unless the task's file options say otherwise; writes are atomic."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.graphops.msgraph.plugins.module_utils._files.private_files import (
    TEMPORARY_PREFIX,
    LocalFileError,
    PrivateFileWriter,
    directory_mode,
)


@contextlib.contextmanager
def module_args(args: dict):
    """AnsibleModule's arguments, the way each ansible-core version lets a test give them."""
    try:
        from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core before 2.19
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()):
            yield
        return
    with patch_module_args(args):
        yield


def make_writer(*, check_mode: bool = False, **file_options) -> PrivateFileWriter:
    args = dict(file_options)
    if check_mode:
        args['_ansible_check_mode'] = True
    with module_args(args):
        module = AnsibleModule(argument_spec={}, add_file_common_args=True, supports_check_mode=True)
    return PrivateFileWriter(module)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask of most hosts; the writer must not depend on it (and sets its own: restored after each test)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_file_and_the_folders_made_for_it_are_private_under_umask_022(tmp_path):
    writer = make_writer()
    existing = tmp_path / 'srv'
    existing.mkdir()
    existing.chmod(0o755)
    folder = existing / 'backups' / '20261204T184512Z'
    created = writer.make_folders(str(folder))
    writer.write_bytes(str(folder / 'alice@contoso.com.jpg'), b'photo bytes')
    assert created == [str(existing / 'backups'), str(folder)]
    assert (folder / 'alice@contoso.com.jpg').read_bytes() == b'photo bytes'
    assert mode_of(folder / 'alice@contoso.com.jpg') == 0o600
    assert mode_of(existing / 'backups') == 0o700 and mode_of(folder) == 0o700
    assert mode_of(existing) == 0o755  # an existing folder is left as it was


def test_the_task_mode_applies_to_files_and_reaches_the_folders_it_creates(tmp_path):
    writer = make_writer(mode='0640')
    writer.make_folders(str(tmp_path / 'export'))
    writer.write_bytes(str(tmp_path / 'export' / 'a.jpg'), b'x')
    assert mode_of(tmp_path / 'export' / 'a.jpg') == 0o640
    assert mode_of(tmp_path / 'export') == 0o750


def test_a_replaced_file_is_made_private_and_holds_the_new_bytes(tmp_path):
    target = tmp_path / 'report.html'
    target.write_bytes(b'old')
    target.chmod(0o644)
    make_writer().write_bytes(str(target), b'new')
    assert target.read_bytes() == b'new'
    assert mode_of(target) == 0o600


def test_a_write_that_fails_half_way_leaves_the_previous_file_and_no_temporary_file(tmp_path):
    target = tmp_path / 'cache.json'
    target.write_bytes(b'previous')
    writer = make_writer()
    with pytest.raises(RuntimeError):
        with writer.replacing(str(target)) as out:
            out.write(b'half')
            raise RuntimeError('killed')
    assert target.read_bytes() == b'previous'
    assert [p.name for p in tmp_path.iterdir()] == ['cache.json']


def test_a_folder_that_cannot_be_made_is_one_sentence_naming_it(tmp_path):
    (tmp_path / 'a-file').write_bytes(b'')
    writer = make_writer()
    with pytest.raises(LocalFileError, match='is not a folder: remove it or choose another path'):
        writer.make_folders(str(tmp_path / 'a-file' / 'sub'))
    with pytest.raises(LocalFileError, match=r'Could not write .*missing.*check that .* exists and is writable'):
        writer.write_bytes(str(tmp_path / 'missing' / 'x.jpg'), b'x')


def test_attributes_apply_in_check_mode_to_a_file_written_in_check_mode(tmp_path):
    """A check-mode audit still writes its report: the task's mode applies to it as in a real run."""
    writer = make_writer(check_mode=True, mode='0640')
    writer.write_bytes(str(tmp_path / 'audit.html'), b'<html>')
    assert mode_of(tmp_path / 'audit.html') == 0o640
    assert writer.module.check_mode is True


def test_temporary_files_are_hidden_from_a_src_dir_scan():
    assert TEMPORARY_PREFIX.startswith('.')


@pytest.mark.parametrize('file_mode, folder_mode', [(0o600, 0o700), (0o640, 0o750), (0o644, 0o755), (0o660, 0o770)])
def test_a_folder_is_searchable_by_whoever_may_read_its_files(file_mode, folder_mode):
    assert directory_mode(file_mode) == folder_mode


def test_a_file_left_as_it_is_gets_the_private_mode_or_the_task_mode_and_check_mode_only_says_so(tmp_path):
    """graph_profile_photo_info's dest, already holding the photo: nothing is rewritten, the file options still apply."""
    target = tmp_path / 'photo.jpg'
    target.write_bytes(b'photo')
    target.chmod(0o644)
    assert make_writer(check_mode=True).update_attributes(str(target)) is True
    assert mode_of(target) == 0o644
    assert make_writer().update_attributes(str(target)) is True
    assert mode_of(target) == 0o600
    assert make_writer().update_attributes(str(target)) is False
    assert make_writer(mode='0640').update_attributes(str(target)) is True
    assert mode_of(target) == 0o640


def test_a_unique_folder_is_never_one_that_exists(tmp_path):
    writer = make_writer(mode='0640')
    first = writer.make_unique_folder(str(tmp_path), '20261204T184512Z')
    (tmp_path / '20261204T184512Z-2').mkdir()
    second = writer.make_unique_folder(str(tmp_path), '20261204T184512Z')
    assert (first, second) == (str(tmp_path / '20261204T184512Z'), str(tmp_path / '20261204T184512Z-3'))
    assert mode_of(first) == mode_of(second) == 0o750
    (tmp_path / 'a-file').write_bytes(b'')
    with pytest.raises(LocalFileError, match='Could not create the folder .*a-file/x'):
        writer.make_unique_folder(str(tmp_path / 'a-file'), 'x')


def test_an_option_of_the_module_that_shares_a_file_option_name_never_applies_to_files(tmp_path):
    """graph_profile_photo's group names a Graph group: it must not become the group that owns a backup."""
    with module_args({'group': '4fa06d3c-7e5a-4b19-8d48-6c2f5a1e9b34', 'mode': '0640'}):
        module = AnsibleModule(argument_spec={'group': {'type': 'str'}}, add_file_common_args=True, supports_check_mode=True)
    writer = PrivateFileWriter(module, not_file_options=('user', 'group'))
    writer.make_folders(str(tmp_path / 'backups'))
    writer.write_bytes(str(tmp_path / 'backups' / 'g.jpg'), b'photo')
    assert mode_of(tmp_path / 'backups' / 'g.jpg') == 0o640 and mode_of(tmp_path / 'backups') == 0o750
    assert os.stat(tmp_path / 'backups' / 'g.jpg').st_gid == os.getgid()

    def fail_json(**result):
        raise RuntimeError(result['msg'])

    module.fail_json = fail_json
    with pytest.raises(RuntimeError, match='chgrp failed: failed to look up group 4fa06d3c'):
        PrivateFileWriter(module).write_bytes(str(tmp_path / 'backups' / 'h.jpg'), b'photo')
