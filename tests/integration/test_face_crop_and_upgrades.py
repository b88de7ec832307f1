# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crop: face and replace_smaller_than through real ansible-playbook against the emulator (issue 31).

The face is searched for again in the photo the emulator stored (after its own rewrite, as Graph's): it must be in the
middle of the square, whole. The photographs are in tests/fixtures/photos (tests/utils/make_face_fixtures.py).
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from conftest import ALICE, BOB, CAROL, PHOTOS

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import face_detector
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.face_framing import FACE_CENTRE_AT

MODULE = 'graphops.msgraph.graph_profile_photo'
SYNC = 'graphops.msgraph.graph_profile_photo_sync'
ROLE = 'graphops.msgraph.profile_photos'


def user_path(admin, upn: str) -> str:
    return 'users/%s' % admin.state()['upn_index'][upn]


def stored_face(admin, upn: str) -> tuple:
    """(centre x, centre y) of the face in the photo the emulator holds for upn, as fractions of its side."""
    data = admin.photo_bytes(user_path(admin, upn))
    picture = Image.open(io.BytesIO(data)).convert('L')
    assert picture.width == picture.height, picture.size
    scale = min(1.0, face_detector.DETECT_SIDE / float(picture.width))
    face = face_detector.largest_face(picture.resize((round(picture.width * scale),) * 2))
    assert face is not None, 'no face in the photo set for %s' % upn
    x, y, w, h = face
    side = picture.width * scale
    return (x + w / 2.0) / side, (y + h / 2.0) / side


def assert_in_the_middle(centre: tuple) -> None:
    assert abs(centre[0] - 0.5) < 0.05 and abs(centre[1] - FACE_CENTRE_AT) < 0.05, centre


@pytest.mark.parametrize('name', ['face-portrait-3x4.jpg', 'face-wide-16x9.jpg'])
def test_crop_face_sets_the_face_in_the_middle_and_a_second_run_writes_nothing(playbook, admin, name):
    task = {MODULE: {'user': ALICE, 'src': str(PHOTOS / name), 'crop': 'face'}}
    admin.clear_log()
    check = playbook.run([task], check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.result()['changed'] is True and admin.writes() == []
    assert check.result()['upload'] == {'prepared': True, 'reasons': ['crop_face', 'larger_than_648px']}

    real = playbook.run([task])
    assert real.rc == 0, real.output
    assert real.result()['changed'] is True and real.result()['upload'] == check.result()['upload']
    assert_in_the_middle(stored_face(admin, ALICE))

    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False and admin.writes() == []


def test_crop_square_is_what_crop_face_puts_right(playbook, admin):
    """The wide shot with crop: square: the centred square holds no face at all (the reason for crop: face)."""
    run = playbook.run([{MODULE: {'user': ALICE, 'src': str(PHOTOS / 'face-wide-16x9.jpg'), 'crop': 'square'}}])
    assert run.rc == 0, run.output
    data = admin.photo_bytes(user_path(admin, ALICE))
    grey = Image.open(io.BytesIO(data)).convert('L')
    assert face_detector.largest_face(grey.resize((min(grey.width, 480),) * 2)) is None


def test_sync_crops_faces_lists_pictures_without_one_and_its_cache_and_report_show_the_crop(playbook, admin, tmp_path):
    """Three principals: a portrait, a wide shot (Bob, who has a photo) and a picture with no face (Carol). The report
    shows the square that is uploaded, also for the principals the cache answers for without reading the file."""
    cache, report = tmp_path / 'cache.json', tmp_path / 'audit.html'
    task = {SYNC: {'photos': [{'user': ALICE, 'src': str(PHOTOS / 'face-portrait-3x4.jpg')},
                              {'user': BOB, 'src': str(PHOTOS / 'face-wide-16x9.jpg')},
                              {'user': CAROL, 'src': str(PHOTOS / 'coffee.jpg')}],
                   'crop': 'face', 'cache': str(cache), 'report': str(report)}}
    admin.clear_log()
    check = playbook.run([task], check=True)
    assert check.rc == 0, check.output
    assert admin.writes() == [] and check.result()['totals']['set'] == 3
    reasons = [item['upload']['reasons'] for item in check.result()['results']]
    assert reasons == [['crop_face', 'larger_than_648px'], ['crop_face', 'larger_than_648px'], ['no_face_found']], reasons

    real = playbook.run([task])
    assert real.rc == 0, real.output
    assert real.result()['totals']['set'] == 3
    assert_in_the_middle(stored_face(admin, ALICE))
    assert_in_the_middle(stored_face(admin, BOB))

    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0, again.output
    assert again.result()['changed'] is False and admin.writes() == []
    assert again.result()['cache']['hits'] == 3
    # Every declared thumbnail is the uploaded square (48x48), not the 3:4 or 16:9 file (36x48, 48x27).
    declared = re.findall(r'<img class="thumb" width="(\d+)" height="(\d+)"[^>]*alt="Declared', report.read_text())
    assert declared == [('48', '48')] * 3, declared
    assert report.read_text().count('no face found: the centred square') == 1


def test_without_opencv_crop_face_fails_before_any_request_naming_the_package(playbook, admin, tmp_path):
    """Where the module runs without cv2 (hidden by a sitecustomize that refuses to find it)."""
    shim = tmp_path / 'no-cv2'
    shim.mkdir()
    (shim / 'sitecustomize.py').write_text(
        'import sys\n\n\n'
        'class HideOpenCV:\n'
        '    def find_spec(self, name, path=None, target=None):\n'
        "        if name == 'cv2' or name.startswith('cv2.'):\n"
        "            raise ModuleNotFoundError('No module named %r' % name, name=name)\n"
        '        return None\n\n\n'
        'sys.meta_path.insert(0, HideOpenCV())\n')
    import os  # pylint: disable=import-outside-toplevel
    env = {'PYTHONPATH': os.pathsep.join([str(shim)] + [part for part in os.environ.get('PYTHONPATH', '').split(os.pathsep) if part])}
    admin.clear_log()
    run = playbook.run([{MODULE: {'user': ALICE, 'src': str(PHOTOS / 'face-portrait-3x4.jpg'), 'crop': 'face'},
                         'ignore_errors': True},
                        {SYNC: {'photos': [{'user': ALICE, 'src': str(PHOTOS / 'face-portrait-3x4.jpg')}], 'crop': 'face'},
                         'ignore_errors': True},
                        {MODULE: {'user': ALICE, 'src': str(PHOTOS / 'face-portrait-3x4.jpg'), 'crop': 'square'}}], env=env)
    assert run.rc == 0, run.output
    assert [entry['status'] for entry in run.results] == ['failed', 'failed', 'ok']
    for failed in (run.result(0), run.result(1)):
        assert 'opencv-python-headless' in failed['msg'] and 'execution environment' in failed['msg'], failed['msg']
        assert 'Traceback' not in failed['msg']
    # Only the crop: square task reached Graph: OpenCV is needed for crop: face alone.
    assert run.result(2)['changed'] is True
    assert len(admin.writes()) == 1


def put_thumbnail(admin, upn: str, side: int, name: str = 'astronaut.jpg') -> None:
    """A photo of side x side pixels, stored as it is (as AD's thumbnailPhoto reaches Graph)."""
    picture = Image.open(PHOTOS / name).convert('RGB').resize((side, side))
    out = io.BytesIO()
    picture.save(out, 'JPEG', quality=90)
    admin.put_photo(user_path(admin, upn), out.getvalue(), rewrite=False)


def test_replace_smaller_than_upgrades_a_thumbnail_and_keeps_a_large_photo(playbook, admin):
    put_thumbnail(admin, ALICE, 96)
    put_thumbnail(admin, BOB, 648, name='cat.jpg')
    bob_before = admin.photo_facts(user_path(admin, BOB))
    tasks = [{MODULE: {'user': upn, 'src': str(PHOTOS / 'rocket.jpg'), 'replace_smaller_than': 200}} for upn in (ALICE, BOB)]
    admin.clear_log()
    check = playbook.run(tasks, check=True, diff=True)
    assert check.rc == 0, check.output
    alice, bob = check.result(0), check.result(1)
    assert alice['changed'] is True and alice['upgrade'] == {
        'largest_side': 96, 'replace_smaller_than': 200, 'upgraded': True,
        'reason': 'replaced: its largest side, 96 px, is smaller than replace_smaller_than (200)'}
    assert bob['changed'] is False and bob['action'] == 'none' and bob['upgrade']['upgraded'] is False
    assert bob['upgrade']['reason'] == 'kept: its largest side, 648 px, is not smaller than replace_smaller_than (200)'
    # --diff says which is upgraded and which is kept, and why (Ansible prints the diff of a changed task only; the
    # kept one's is in its result).
    assert 'replace_smaller_than: users/%s replaced: its largest side, 96 px' % ALICE in check.output
    assert bob['diff']['prepared'].startswith('replace_smaller_than: users/%s kept: its largest side, 648 px' % BOB)
    assert admin.writes() == []
    # The single module reads …/photo/$value, the largest photo, and no metadata for the size.
    assert [entry['path'] for entry in admin.log() if entry['path'].endswith('/photo')] == []

    real = playbook.run(tasks)
    assert real.rc == 0, real.output
    assert [real.result(index)['changed'] for index in (0, 1)] == [True, False]
    assert admin.photo_facts(user_path(admin, BOB))['sha256'] == bob_before['sha256']
    assert [write['method'] for write in admin.writes()] == ['PUT']

    admin.clear_log()
    again = playbook.run(tasks)
    assert again.rc == 0, again.output
    assert [again.result(index)['changed'] for index in (0, 1)] == [False, False] and admin.writes() == []
    assert again.result(0)['upgrade'] is None, 'the photo now shows the file: nothing to upgrade'


def test_replace_smaller_than_with_force_false_is_refused_before_any_request(playbook, admin):
    admin.clear_log()
    run = playbook.run([{MODULE: {'user': ALICE, 'src': str(PHOTOS / 'rocket.jpg'), 'replace_smaller_than': 200, 'force': False},
                         'ignore_errors': True},
                        {SYNC: {'photos': [{'user': ALICE, 'src': str(PHOTOS / 'rocket.jpg')}], 'replace_smaller_than': 200,
                                'force': False}, 'ignore_errors': True}])
    assert run.rc == 0, run.output
    assert [entry['status'] for entry in run.results] == ['failed', 'failed']
    for failed in (run.result(0), run.result(1)):
        assert failed['msg'].startswith('replace_smaller_than replaces existing photos smaller than it, and force: false never '
                                        'replaces one; set force to true'), failed['msg']
    assert admin.log() == []


def test_sync_upgrades_thumbnails_counts_the_kept_and_reads_each_size_once(playbook, admin):
    """Alice has a 96x96 thumbnail, Bob a 648x648 photo he chose, Carol none: Alice and Carol get theirs, Bob's is
    kept and counted under totals.kept; the sizes cost one metadata read each for the two whose photo differs."""
    put_thumbnail(admin, ALICE, 96)
    put_thumbnail(admin, BOB, 648, name='cat.jpg')
    photos = [{'user': upn, 'src': str(PHOTOS / 'rocket.jpg')} for upn in (ALICE, BOB, CAROL)]
    task = {SYNC: {'photos': photos, 'replace_smaller_than': 200}}
    admin.clear_log()
    check = playbook.run([task], check=True, diff=True)
    assert check.rc == 0, check.output
    result = check.result()
    assert result['totals'] == {'unchanged': 0, 'set': 2, 'removed': 0, 'failed': 0, 'skipped': 0, 'kept': 1}
    reasons = [item['reason'] for item in result['results']]
    assert reasons == ['the photo differs from src; replaced: its largest side, 96 px, is smaller than replace_smaller_than (200)',
                       'the photo differs from src; kept: its largest side, 648 px, is not smaller than replace_smaller_than (200)',
                       'no photo yet']
    assert 'replace_smaller_than: users/%s kept' % BOB in check.output
    assert admin.writes() == []
    metadata_reads = [entry['path'] for entry in admin.log() if entry['method'] == 'GET' and entry['path'].endswith('/photo')]
    assert len(metadata_reads) == 2, metadata_reads

    real = playbook.run([task])
    assert real.rc == 0, real.output
    assert real.result()['totals'] == result['totals']
    assert sorted(write['principal'] for write in admin.writes()) == sorted(user_path(admin, upn) for upn in (ALICE, CAROL))

    admin.clear_log()
    again = playbook.run([task])
    assert again.rc == 0, again.output
    assert again.result()['totals'] == {'unchanged': 2, 'set': 0, 'removed': 0, 'failed': 0, 'skipped': 0, 'kept': 1}
    assert admin.writes() == []


def test_the_role_passes_crop_face_and_replace_smaller_than(playbook, admin, tmp_path):
    src_dir = tmp_path / 'photos'
    src_dir.mkdir()
    (src_dir / ('%s.jpg' % ALICE)).write_bytes((PHOTOS / 'face-portrait-3x4.jpg').read_bytes())
    (src_dir / ('%s.jpg' % BOB)).write_bytes((PHOTOS / 'rocket.jpg').read_bytes())
    put_thumbnail(admin, BOB, 648, name='cat.jpg')
    run = playbook.run([{'ansible.builtin.include_role': {'name': ROLE},
                         'vars': {'profile_photos_src_dir': str(src_dir), 'profile_photos_report_dir': str(tmp_path / 'reports'),
                                  'profile_photos_crop': 'face', 'profile_photos_replace_smaller_than': 200}}])
    assert run.rc == 0, run.output
    assert '1 kept (not smaller than replace_smaller_than)' in run.output
    assert '[WARNING]' not in run.output, run.output
    assert_in_the_middle(stored_face(admin, ALICE))


def test_with_cache_the_sizes_come_from_the_metadata_the_cache_read(playbook, admin, tmp_path):
    """With cache, the sync reads every principal's metadata anyway (its ETag): replace_smaller_than reads no more."""
    put_thumbnail(admin, ALICE, 96)
    put_thumbnail(admin, BOB, 648, name='cat.jpg')
    photos = [{'user': upn, 'src': str(PHOTOS / 'rocket.jpg')} for upn in (ALICE, BOB, CAROL)]
    admin.clear_log()
    run = playbook.run([{SYNC: {'photos': photos, 'replace_smaller_than': 200, 'cache': str(tmp_path / 'cache.json')}}], check=True)
    assert run.rc == 0, run.output
    assert run.result()['totals'] == {'unchanged': 0, 'set': 2, 'removed': 0, 'failed': 0, 'skipped': 0, 'kept': 1}
    metadata_reads = [entry['path'] for entry in admin.log() if entry['method'] == 'GET' and entry['path'].endswith('/photo')]
    assert len(metadata_reads) == 3, metadata_reads
