# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe's logic without Graph: its test pictures read back as each behaviour Graph may have would store them,
facts turned into the emulator's settings, a restore that fails naming the backup file, and check mode refusing writes."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image, ImageOps

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._probe import fact_readers, probe_pictures
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.emulator_profile import (
    EMULATOR_DEFAULTS,
    emulator_profile,
    profile_differences,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.principal_photos import KeptPhoto, ProbeRestoreError, restore_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._probe.probe_requests import ProbeCheckModeError, ProbeRequests, is_throttle_header


def jpeg(im) -> bytes:
    buffer = io.BytesIO()
    im.convert('RGB').save(buffer, 'JPEG', quality=80)
    return buffer.getvalue()


def opened(data: bytes):
    return Image.open(io.BytesIO(data))


def centred_square(im):
    side = min(im.size)
    left, top = (im.width - side) // 2, (im.height - side) // 2
    return im.crop((left, top, left + side, top + side))


@pytest.mark.parametrize('stored, crop, part', [
    (lambda im: im, 'none', 'all'),
    (lambda im: centred_square(im).resize((240, 240)), 'square', 'middle'),
    (lambda im: im.crop((0, 0, im.height, im.height)), 'square', 'left'),
    (lambda im: im.crop((im.width - im.height, 0, im.width, im.height)), 'square', 'right'),
])
def test_crop_reading(stored, crop, part):
    reading = fact_readers.read_crop(jpeg(stored(opened(probe_pictures.thirds()))))
    assert (reading['crop'], reading['part']) == (crop, part)


@pytest.mark.parametrize('stored, expected', [
    (ImageOps.exif_transpose, 'applied'),  # pixels turned upright, EXIF gone
    (lambda im: im, 'ignored'),  # EXIF stripped, pixels as stored
])
def test_orientation_reading(stored, expected):
    assert fact_readers.read_orientation(jpeg(stored(opened(probe_pictures.rotated_with_exif()))))['exif_orientation'] == expected


def test_the_rotated_picture_keeps_its_exif_when_sent_as_is():
    # A tenant that keeps uploads as sent keeps the tag too: a viewer shows it upright, which is what 'applied' says.
    assert fact_readers.read_orientation(probe_pictures.rotated_with_exif())['exif_orientation'] == 'applied'


@pytest.mark.parametrize('background, expected', [((255, 255, 255), 'white'), ((0, 0, 0), 'black'), (None, 'dropped')])
def test_background_reading(background, expected):
    im = opened(probe_pictures.transparent_png())
    if background is None:
        flattened = im.convert('RGB')  # the alpha channel thrown away: the hidden colour shows
    else:
        flattened = Image.new('RGB', im.size, background)
        flattened.paste(im, mask=im.getchannel('A'))
    assert fact_readers.read_background(jpeg(flattened))['transparency'] == expected
    assert fact_readers.has_alpha(probe_pictures.transparent_png())


def test_probe_pictures_are_small_enough_for_any_user():
    for data in (probe_pictures.square(1000), probe_pictures.square(500), probe_pictures.thirds(),
                 probe_pictures.rotated_with_exif(), probe_pictures.transparent_png()):
        assert len(data) < 100 * 1024


DEFAULT_FACTS = {'reencoded': True, 'jpeg_quality': 85, 'crop': 'none', 'exif_orientation': 'applied', 'transparency': 'white',
                 'value_keeps_alpha': False, 'snapped': False, 'unknown_size': '404', 'same_bytes_new_etag': True,
                 'batch_upload': 'accepted', 'group_app_only_write': 'allowed', 'throttle_headers': ['retry-after']}


def test_the_emulator_defaults_give_no_difference():
    profile = emulator_profile(DEFAULT_FACTS, {})
    assert profile == EMULATOR_DEFAULTS
    assert profile_differences(profile) == {}


@pytest.mark.parametrize('facts, observations, setting, value', [
    ({'crop': 'square'}, {}, 'aspect', 'crop_square'),
    ({'jpeg_quality': 92}, {}, 'jpeg_quality', 92),
    ({'jpeg_quality': 70}, {}, 'jpeg_quality', 75),  # the emulator stores at 75 to 95: the nearest
    ({'exif_orientation': 'ignored'}, {}, 'exif_orientation', 'ignore'),
    ({'transparency': 'dropped'}, {}, 'flatten_background', 'drop'),
    ({'unknown_size': '1x1'}, {}, 'missing_size', '1x1'),
    ({'same_bytes_new_etag': False}, {}, 'upload_etag', 'content'),
    ({'batch_upload': 'refused'}, {}, 'batch_photo_upload', 'refused'),
    ({'group_app_only_write': 'denied'}, {'group_app_only_write': {'read': 'denied'}}, 'group_photo_app_only', 'deny'),
    ({'group_app_only_write': 'denied'}, {'group_app_only_write': {'read': 'allowed'}}, 'group_photo_app_only', 'deny_writes'),
    ({'throttle_headers': ['x-ms-resource-unit']}, {}, 'resource_unit_header', True),
])
def test_each_fact_gives_its_setting_and_a_difference(facts, observations, setting, value):
    profile = emulator_profile(dict(DEFAULT_FACTS, **facts), observations)
    assert profile[setting] == value
    assert profile_differences(profile) == {setting: {'tenant': value, 'emulator_default': EMULATOR_DEFAULTS[setting]}}


def test_a_tenant_that_keeps_uploads_as_sent_has_no_rewrite_settings():
    profile = emulator_profile(dict(DEFAULT_FACTS, reencoded=False, crop='none'), {})
    assert profile['rewrite'] is False
    assert not {'aspect', 'exif_orientation', 'snap_sizes', 'value_keeps_alpha', 'jpeg_quality'} & set(profile)


def test_a_group_not_probed_gives_no_group_setting():
    assert 'group_photo_app_only' not in emulator_profile(dict(DEFAULT_FACTS, group_app_only_write='not_probed'), {})


@pytest.mark.parametrize('name, expected', [('Retry-After', True), ('x-ms-resource-unit', True), ('x-ms-throttle-priority', True),
                                            ('RateLimit-Remaining', True), ('request-id', False), ('Authorization', False)])
def test_throttle_header_names(name, expected):
    assert is_throttle_header(name) is expected


class RefusingClient:
    """Every request fails with a 503: what a restore meets when Graph goes down at the end of a run."""

    def __init__(self):
        self.transport = SimpleNamespace(session=SimpleNamespace(request=None))
        self.sent = []

    def request(self, method, path, **kwargs):
        self.sent.append((method, path))
        raise GraphError(status=503, code='ServiceUnavailable', message='Try later', request_id='r1', method=method, path=path)


def test_a_restore_that_fails_names_the_backup_file():
    client = RefusingClient()
    kept = KeptPhoto(target=target_from_options(user='bob@contoso.com'), data=b'\xff\xd8\xff photo',
                     backup_file='/backups/20261207T190000Z/bob@contoso.com.jpg')
    with pytest.raises(ProbeRestoreError) as failure:
        restore_photo(ProbeRequests(client, check_mode=False), kept)
    assert 'Could not put the photo of users/bob@contoso.com back (HTTP 503 ServiceUnavailable' in str(failure.value)
    assert 'saved in /backups/20261207T190000Z/bob@contoso.com.jpg' in str(failure.value)
    assert client.sent == [('PUT', '/users/bob@contoso.com/photo/$value')]


def test_check_mode_sends_no_write():
    client = RefusingClient()
    requests = ProbeRequests(client, check_mode=True)
    for write in (lambda: requests.put_photo('/users/x/photo/$value', b'x', 'image/jpeg'),
                  lambda: requests.delete_photo('/users/x/photo/$value'),
                  lambda: requests.batch_put_photo('/users/x/photo/$value', b'x', 'image/jpeg')):
        with pytest.raises(ProbeCheckModeError):
            write()
    assert client.sent == []
