# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk sync prepares a photo only when it uploads it: a preview stands in for the compare."""

from __future__ import annotations

import io
import os
import threading

import pytest
from PIL import Image, ImageDraw

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import facts as photo_facts
from ansible_collections.graphops.msgraph.plugins.module_utils._photo import prepare as photo_prepare
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import SourceImageError, load_source_image
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.compare import photo_distance
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import photo_facts_from_bytes
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import DeferredPreparation, prepare_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._photo import source as source_module
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_photos

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_photo_sync import FakeGraph

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'photos')
# How far the preview's facts may be from those of the prepared JPEG (measured: 0.23 at most, for logo-alpha.png).
PREVIEW_TOLERANCE = 0.3


def big_photo(colour='seagreen', side=800) -> bytes:
    image = Image.new('RGB', (side, side), colour)
    ImageDraw.Draw(image).ellipse((side // 5, side // 6, side * 3 // 4, side * 5 // 6), fill='khaki')
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', quality=95)
    return buffer.getvalue()


@pytest.mark.parametrize('name', ['astronaut.jpg', 'cat.jpg', 'coffee.jpg', 'rocket.jpg', 'camera.jpg', 'logo-alpha.png'])
def test_the_preview_shows_the_picture_the_prepared_photo_shows(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        data = handle.read()
    deferred = prepare_photo(data, prepare='always', defer=True)
    assert isinstance(deferred, DeferredPreparation) and max(deferred.preview.size) < 128
    source = load_source_image(os.path.join(FIXTURES, name), prepare='always', defer_preparation=True)
    assert source.data is None and source.deferred is not None
    complete = source.complete()
    assert complete.data == prepare_photo(data, prepare='always').data, 'the upload is what prepare_photo makes'
    assert (complete.facts.width, complete.facts.height) == (source.facts.width, source.facts.height)
    assert complete.reasons == source.reasons and complete.prepared
    assert photo_distance(source.facts, photo_facts_from_bytes(complete.data)) < PREVIEW_TOLERANCE


def test_a_file_sent_as_it_is_is_not_deferred(tmp_path):
    source = load_source_image(os.path.join(FIXTURES, 'cat.jpg'), defer_preparation=True)
    assert source.deferred is None and source.complete() is source and source.data


def test_the_sync_prepares_only_what_it_uploads(tmp_path, monkeypatch):
    same, other = big_photo('seagreen'), big_photo('firebrick')
    (tmp_path / 'same.jpg').write_bytes(same)
    (tmp_path / 'other.jpg').write_bytes(other)
    graph = FakeGraph({'/users/bob@contoso.com': prepare_photo(same).data, '/users/carol@contoso.com': prepare_photo(same).data})
    encoded = []
    real_encode = photo_prepare._encode_within_limit  # pylint: disable=protected-access
    monkeypatch.setattr(photo_prepare, '_encode_within_limit', lambda im, name: encoded.append(name) or real_encode(im, name))
    items = items_from_photos([{'user': 'bob@contoso.com', 'src': str(tmp_path / 'same.jpg')},
                               {'user': 'carol@contoso.com', 'src': str(tmp_path / 'other.jpg')}])
    report = PhotoSync(FakeBatchClient(graph), check_mode=False).run(items)
    assert [result['action'] for result in report.results] == ['none', 'set']
    assert encoded == [' ' + str(tmp_path / 'other.jpg')], 'only the photo uploaded was prepared'
    assert graph.photos['/users/carol@contoso.com'] == prepare_photo(other).data
    assert report.results[1]['photo']['after']['sha256'] == photo_facts_from_bytes(prepare_photo(other).data).sha256
    assert report.results[1]['upload'] == {'prepared': True, 'reasons': ['larger_than_648px']}


def test_the_file_is_read_again_to_prepare_it_and_must_be_the_one_compared(tmp_path):
    path = tmp_path / 'big.jpg'
    path.write_bytes(big_photo('seagreen'))
    source = load_source_image(str(path), defer_preparation=True)
    assert source.deferred.data is None and source.deferred.preview is None, 'nothing big is kept while Graph is asked'
    assert source.complete().data == prepare_photo(big_photo('seagreen')).data
    path.write_bytes(big_photo('firebrick'))
    with pytest.raises(SourceImageError, match='changed while the task ran'):
        source.complete()


def test_completing_an_upload_reads_its_facts_from_the_header_without_decoding_it(tmp_path, monkeypatch):
    # The photo was compared from its preview already: the facts of the upload are only shown (sha256, sizes).
    path = tmp_path / 'big.jpg'
    path.write_bytes(big_photo('seagreen'))
    source = load_source_image(str(path), with_phash=False, defer_preparation=True)
    decoded_jpegs = []
    real_open_small = photo_facts._open_small  # pylint: disable=protected-access
    monkeypatch.setattr(photo_facts, '_open_small', lambda data: decoded_jpegs.append(len(data)) or real_open_small(data))
    complete = source.complete()
    assert decoded_jpegs == [], 'the prepared JPEG is not decoded again'
    decoded = photo_facts.photo_facts_from_bytes(complete.data, with_phash=False)
    assert complete.facts.to_dict() == decoded.to_dict() and complete.facts.size == len(complete.data)
    assert complete.facts.signatures == () and decoded.signatures


def test_with_a_diff_the_facts_of_the_upload_carry_its_perceptual_hash(tmp_path):
    path = tmp_path / 'big.jpg'
    path.write_bytes(big_photo('firebrick'))
    complete = load_source_image(str(path), with_phash=True, defer_preparation=True).complete()
    assert complete.facts.phash is not None
    assert complete.facts.phash == photo_facts_from_bytes(complete.data).phash


def test_a_photo_nothing_compares_is_prepared_at_once_without_a_preview(tmp_path, monkeypatch):
    path = tmp_path / 'big.jpg'
    path.write_bytes(big_photo('seagreen'))
    previews = []
    real_prepared_pixels = photo_prepare._prepared_pixels  # pylint: disable=protected-access
    monkeypatch.setattr(photo_prepare, '_prepared_pixels',
                        lambda photo, box, transparent, side=photo_prepare.MAX_PREPARED_SIDE:
                        previews.append(side) or real_prepared_pixels(photo, box, transparent, side))
    source = load_source_image(str(path), with_phash=False, defer_preparation=True, compared=False)
    assert previews == [photo_prepare.MAX_PREPARED_SIDE], 'only the prepared picture is made, no preview'
    assert source.deferred is None and source.complete() is source
    assert source.data == prepare_photo(big_photo('seagreen')).data and source.reasons == ('larger_than_648px',)
    assert source.facts.to_dict() == photo_facts_from_bytes(source.data, with_phash=False).to_dict()
    # A file sent as it is is still decoded: that is what checks it.
    broken = tmp_path / 'broken.jpg'
    with open(os.path.join(FIXTURES, 'cat.jpg'), 'rb') as handle:
        broken.write_bytes(handle.read()[:600])
    with pytest.raises(SourceImageError, match='cannot be decoded'):
        load_source_image(str(broken), compared=False)


def test_the_sync_drops_the_preview_of_a_principal_without_a_photo(tmp_path, monkeypatch):
    # One compute thread, held by the first preview until Graph has answered the chunk's reads: every other preview
    # is still queued when the sync learns who has no photo, so the outcome does not depend on timing.
    photos = {name: big_photo(colour) for name, colour in (('alice', 'seagreen'), ('bob', 'firebrick'), ('carol', 'navy'))}
    for name, data in photos.items():
        (tmp_path / ('%s.jpg' % name)).write_bytes(data)
    graph = FakeGraph({'/users/alice@contoso.com': prepare_photo(photos['alice']).data,
                       '/users/carol@contoso.com': prepare_photo(big_photo('khaki')).data})
    answered = threading.Event()
    loads = []
    real_load = source_module.load_source_image

    def load(path, **options):
        loads.append((os.path.basename(path), options.get('compared', True)))
        if len(loads) == 1:
            assert answered.wait(30), 'the reads were answered'
        return real_load(path, **options)

    # The runner imports load_source_image when it first loads a photo (a cached run loads none).
    monkeypatch.setattr(source_module, 'load_source_image', load)
    sync = PhotoSync(FakeBatchClient(graph), check_mode=False, compute_threads=1)
    real_photos = sync.reads.photos
    sync.reads.photos = lambda items, metadata=None: (real_photos(items, metadata), answered.set())[0]
    items = items_from_photos([{'user': '%s@contoso.com' % name, 'src': str(tmp_path / ('%s.jpg' % name))}
                               for name in ('alice', 'bob', 'carol')])
    report = sync.run(items)
    assert [result['action'] for result in report.results] == ['none', 'set', 'set']
    assert loads == [('alice.jpg', True), ('carol.jpg', True), ('bob.jpg', False)], \
        'bob has no photo: his preview is dropped and his file is only prepared for the upload'
    assert graph.photos['/users/bob@contoso.com'] == prepare_photo(photos['bob']).data
    assert graph.photos['/users/carol@contoso.com'] == prepare_photo(photos['carol']).data
    for result in report.results[1:]:
        uploaded = graph.photos['/%s' % result['principal']]
        after = photo_facts_from_bytes(uploaded, with_phash=False)
        assert (result['photo']['after']['sha256'], result['photo']['after']['size']) == (after.sha256, len(uploaded))
        assert result['upload'] == {'prepared': True, 'reasons': ['larger_than_648px']}
    assert report.results[1]['compared_size'] is None and report.results[2]['compared_size'] == '96x96'
    assert report.stats['previews_dropped'] == 1 and report.stats['compared'] == 2
