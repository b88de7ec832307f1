# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which picture the bulk sync reads to compare, and when it falls back to …/photo/$value."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.renditions import (
    COMPARE_SIZE,
    photo_metadata,
    rendition_fits,
    rendition_path,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_photos
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.picture_size import picture_size
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.reads import CurrentPhotoReads, PhotoMetadata
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, graph_error_body, inner


def jpeg(width, height) -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (width, height), 'teal').save(buffer, 'JPEG')
    return buffer.getvalue()


@pytest.mark.parametrize('options, compare, expected', [
    ({'user': 'alice@contoso.com'}, 'perceptual', '/users/alice@contoso.com/photos/96x96/$value'),
    ({'user': 'me'}, 'perceptual', '/me/photos/96x96/$value'),
    ({'group': 'g1'}, 'perceptual', '/groups/g1/photos/96x96/$value'),
    ({'team': 't1'}, 'perceptual', '/groups/t1/photos/96x96/$value'),  # a team's photo is its group's, which has sizes
    ({'user': 'alice@contoso.com', 'contact': 'c1'}, 'perceptual', None),  # contacts have no sizes
    ({'user': 'alice@contoso.com'}, 'sha256', None),  # byte-equal needs the bytes Graph keeps
])
def test_the_rendition_path_or_none_for_the_photo_itself(options, compare, expected):
    assert COMPARE_SIZE == 96
    assert rendition_path(target_from_options(**options), compare=compare) == expected


@pytest.mark.parametrize('size, fits', [((96, 96), True), ((96, 64), True), ((72, 96), True), ((1, 1), False),
                                        ((64, 64), False), ((120, 120), False)])
def test_only_a_picture_of_the_size_is_compared(size, fits):
    assert rendition_fits(*size) is fits


@pytest.mark.parametrize('metadata, offered', [
    ({'width': 648, 'height': 648}, True), ({'width': 96, 'height': 40}, True), ({'width': 64, 'height': 64}, False),
    ({'id': '1x1', 'width': 1, 'height': 1}, False), ({'width': 'x'}, False), (None, False)])
def test_the_metadata_says_whether_the_rendition_exists(metadata, offered):
    parsed = photo_metadata(metadata)
    assert (parsed is not None and parsed.offers_rendition) is offered


def test_picture_size_reads_only_the_header():
    assert picture_size(jpeg(96, 72)) == (96, 72)
    assert picture_size(b'{"id": "1x1"}') is None and picture_size(b'') is None


class SizedGraph:
    """Answers the 96x96 read of each user as configured, and …/photo/$value with a 648 px picture."""

    def __init__(self, sized):
        self.sized = sized

    def __call__(self, entry):
        url = entry['url']
        user = url.split('/')[2]
        if url.endswith('/photos/96x96/$value'):
            answer = self.sized[user]
            if isinstance(answer, int):
                return inner(entry['id'], answer, graph_error_body('ImageNotFound'))
            return inner(entry['id'], 200, answer)
        return inner(entry['id'], 200, jpeg(648, 648))


def read_all(sized, metadata=None):
    items = items_from_photos([{'user': user, 'src': '/dev/null'} for user in sized])
    client = FakeBatchClient(SizedGraph(sized))
    reads = CurrentPhotoReads(BatchRunner(client), compare='perceptual').photos(items, metadata)
    return {item.target.path.split('/')[1]: reads.get(item.index) for item in items}, client


def test_what_is_not_a_96px_picture_is_read_again_in_full():
    reads, client = read_all({
        'fits': jpeg(96, 96),
        'wide': jpeg(96, 64),
        'missing': 404,                      # the size is not offered, or no photo: the photo itself tells
        'one-pixel': jpeg(1, 1),             # what a "1x1" size may serve
        'own-size': jpeg(64, 64),            # a photo smaller than the size, served as it is
    })
    assert {user: read.compared_size for user, read in reads.items()} == {
        'fits': '96x96', 'wide': '96x96', 'missing': 'full', 'one-pixel': 'full', 'own-size': 'full'}
    assert all(read.answer.ok for read in reads.values())
    assert [len(payload['requests']) for payload in client.payloads] == [5, 3]


def test_metadata_read_first_skips_the_reads_it_makes_pointless():
    metadata = {0: PhotoMetadata(exists=False), 1: PhotoMetadata(exists=True, etag='"A"', width=64, height=64),
                2: PhotoMetadata(exists=True, etag='"B"', width=648, height=648)}
    reads, client = read_all({'none': 404, 'small': 404, 'big': jpeg(96, 96)}, metadata)
    assert reads['none'] is None, 'no photo: nothing to read'
    assert reads['small'].compared_size == 'full' and reads['big'].compared_size == '96x96'
    assert sorted(entry['url'] for entry in client.inner_requests) == [
        '/users/big/photos/96x96/$value', '/users/small/photo/$value']


@pytest.mark.parametrize('metadata, side, offers_96', [
    (PhotoMetadata(exists=True, width=648, height=432), 648, True),
    (PhotoMetadata(exists=True, width=None, height=64), 64, False),
    (PhotoMetadata(exists=True), None, None),  # Graph left the size out
    (PhotoMetadata(exists=False), None, None),
])
def test_largest_side_is_what_replace_smaller_than_and_the_renditions_read(metadata, side, offers_96):
    assert metadata.largest_side == side
    assert metadata.offers(96) is offers_96
