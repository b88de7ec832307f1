# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the local src photo, each failing with one sentence naming the path, the problem and the fix."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import shutil

import pytest
from PIL import Image

from ansible_collections.graphops.msgraph.plugins.module_utils._photo import source as image_source  # noqa: E402
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import (  # noqa: E402
    ACCEPTED_CONTENT_TYPES,
    MAX_PHOTO_BYTES,
    MAX_READ_BYTES,
    SourceImageError,
    load_source_image,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'photos')


def fixture(name):
    return os.path.join(FIXTURES, name)


def write(path, data):
    path.write_bytes(data)
    return str(path)


def test_limits_are_graphs():
    assert MAX_PHOTO_BYTES == 4 * 1024 * 1024
    assert set(ACCEPTED_CONTENT_TYPES) == {'image/jpeg', 'image/png', 'image/gif', 'image/bmp'}


@pytest.mark.parametrize('name, content_type', [
    ('astronaut.jpg', 'image/jpeg'),
    ('camera.jpg', 'image/jpeg'),
    ('logo-alpha.png', 'image/png'),
])
def test_fixture_photos_load_as_they_are_with_prepare_never(name, content_type):
    source = load_source_image(fixture(name), prepare='never')
    with open(fixture(name), 'rb') as handle:
        assert source.data == handle.read()
    assert source.content_type == content_type
    assert source.facts.content_type == content_type
    assert source.facts.size == len(source.data)
    assert source.path == fixture(name)
    assert source.upload_info() == {'prepared': False, 'reasons': []}


@pytest.mark.parametrize('name, reasons', [
    ('astronaut.jpg', []),
    ('camera.jpg', []),
    ('logo-alpha.png', ['transparency']),
])
def test_with_prepare_auto_the_facts_are_those_of_the_upload(name, reasons):
    source = load_source_image(fixture(name))
    with open(fixture(name), 'rb') as handle:
        original = handle.read()
    assert source.upload_info() == {'prepared': bool(reasons), 'reasons': reasons}
    assert (source.data == original) is not bool(reasons)
    assert source.facts.size == len(source.data)
    assert source.facts.content_type == source.content_type == ('image/jpeg' if reasons else source.facts.content_type)


def test_png_named_jpg_is_sent_as_png(tmp_path):
    path = tmp_path / 'photo.jpg'
    shutil.copy(fixture('logo-alpha.png'), path)
    source = load_source_image(str(path), prepare='never')
    assert source.content_type == 'image/png'
    assert (source.facts.width, source.facts.height) == (256, 256)


@pytest.mark.parametrize('fmt, content_type', [('GIF', 'image/gif'), ('BMP', 'image/bmp'), ('JPEG', 'image/jpeg')])
def test_other_accepted_formats_are_sniffed(tmp_path, fmt, content_type):
    buf = io.BytesIO()
    Image.open(fixture('cat.jpg')).save(buf, fmt)
    source = load_source_image(write(tmp_path / 'photo.png', buf.getvalue()), prepare='never')
    assert source.content_type == content_type


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nope.jpg')
    with pytest.raises(SourceImageError, match='does not exist; check the src path') as info:
        load_source_image(path)
    assert path in str(info.value)


def test_directory(tmp_path):
    with pytest.raises(SourceImageError, match='is a directory; set src to an image file') as info:
        load_source_image(str(tmp_path))
    assert str(tmp_path) in str(info.value)


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / 'pipe.jpg'
    os.mkfifo(str(fifo))
    # Keep a writer open so that, should the check ever move after open(), this test fails instead of hanging.
    writer = os.open(str(fifo), os.O_RDWR | os.O_NONBLOCK)
    try:
        with pytest.raises(SourceImageError, match='is not a regular file') as info:
            load_source_image(str(fifo))
    finally:
        os.close(writer)
    assert str(fifo) in str(info.value)


def test_not_readable(tmp_path, monkeypatch):
    path = tmp_path / 'secret.jpg'
    shutil.copy(fixture('cat.jpg'), path)
    os.chmod(str(path), 0)
    try:
        readable = os.access(str(path), os.R_OK)
        if readable:
            # Running as root: chmod 000 does not stop us, so make open() refuse as it would for a user.
            real_open = builtins.open

            def refusing_open(file, *args, **kwargs):
                if str(file) == str(path):
                    raise PermissionError(13, 'Permission denied', str(file))
                return real_open(file, *args, **kwargs)
            monkeypatch.setattr(builtins, 'open', refusing_open)
        with pytest.raises(SourceImageError, match='cannot be read \\(permission denied\\); make it readable') as info:
            load_source_image(str(path))
    finally:
        os.chmod(str(path), 0o644)
    assert str(path) in str(info.value)


def test_empty(tmp_path):
    path = write(tmp_path / 'empty.jpg', b'')
    with pytest.raises(SourceImageError, match='is empty \\(0 bytes\\)') as info:
        load_source_image(path)
    assert path in str(info.value)


def test_too_large(tmp_path):
    with open(fixture('cat.jpg'), 'rb') as handle:
        data = handle.read()
    # A valid JPEG padded after its end marker past the limit: only the size is wrong.
    path = write(tmp_path / 'big.jpg', data + b'\0' * (MAX_PHOTO_BYTES + 1 - len(data) + 1000))
    with pytest.raises(SourceImageError, match='over the 4 MB limit of Graph; resize it to 648x648.*set prepare to auto') as info:
        load_source_image(path, prepare='never')
    assert path in str(info.value)
    assert str(MAX_PHOTO_BYTES + 1001) in str(info.value)
    # Prepared, the same file is fine: what is uploaded is a JPEG of at most 100 KB.
    source = load_source_image(path)
    assert source.upload_info() == {'prepared': True, 'reasons': ['over_100KB']}
    assert source.facts.size <= 102400


def test_over_the_read_cap_is_refused_even_when_prepared(tmp_path):
    with open(fixture('cat.jpg'), 'rb') as handle:
        data = handle.read()
    path = write(tmp_path / 'huge.jpg', data + b'\0' * (MAX_READ_BYTES + 1 - len(data)))
    with pytest.raises(SourceImageError, match='50.0 MB .*more than the 50 MB this module reads for a photo') as info:
        load_source_image(path)
    assert path in str(info.value)


def test_crop_square_needs_a_prepared_photo():
    with pytest.raises(SourceImageError, match='crop: square needs a prepared photo; set prepare to auto or always'):
        load_source_image(fixture('cat.jpg'), prepare='never', crop='square')


def test_exactly_the_limit_is_accepted(tmp_path):
    with open(fixture('cat.jpg'), 'rb') as handle:
        data = handle.read()
    path = write(tmp_path / 'limit.jpg', data + b'\0' * (MAX_PHOTO_BYTES - len(data)))
    assert load_source_image(path, prepare='never').facts.size == MAX_PHOTO_BYTES


def test_text_named_jpg_is_refused(tmp_path):
    path = write(tmp_path / 'photo.jpg', b'hello, I am not a picture\n')
    with pytest.raises(SourceImageError, match='is not a JPEG, PNG, GIF or BMP image \\(judged by its content') as info:
        load_source_image(path)
    assert path in str(info.value)


@pytest.mark.parametrize('fmt', ['WEBP', 'TIFF'])
def test_format_graph_does_not_accept_is_refused(tmp_path, fmt):
    buf = io.BytesIO()
    Image.open(fixture('cat.jpg')).save(buf, fmt)
    path = write(tmp_path / 'photo.jpg', buf.getvalue())
    with pytest.raises(SourceImageError, match='convert it to JPEG or PNG'):
        load_source_image(path)


@pytest.mark.parametrize('name, keep', [('cat.jpg', 0.5), ('logo-alpha.png', 0.5), ('cat.jpg', 0.01)])
def test_truncated_image_is_refused(tmp_path, name, keep):
    with open(fixture(name), 'rb') as handle:
        data = handle.read()
    path = write(tmp_path / name, data[:int(len(data) * keep)])
    with pytest.raises(SourceImageError, match='cannot be decoded as image/.*truncated or damaged') as info:
        load_source_image(path)
    assert path in str(info.value)


def test_magic_number_only_is_refused(tmp_path):
    path = write(tmp_path / 'fake.png', b'\x89PNG\r\n\x1a\n' + b'garbage' * 10)
    with pytest.raises(SourceImageError, match='cannot be decoded as image/png'):
        load_source_image(path)


def test_file_is_read_once(tmp_path, monkeypatch):
    path = str(tmp_path / 'cat.jpg')
    shutil.copy(fixture('cat.jpg'), path)
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file) == path:
            opened.append(file)
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr(builtins, 'open', counting_open)
    load_source_image(path)
    assert len(opened) == 1


class _RecordingFile:
    """A file whose reads are recorded: (asked, got) for each read()."""

    def __init__(self, handle, reads):
        self._handle = handle
        self._reads = reads

    def read(self, size=-1):
        data = self._handle.read(size)
        self._reads.append((size, len(data)))
        return data

    def fileno(self):
        return self._handle.fileno()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._handle.close()


def _record_reads(monkeypatch, path):
    reads = []
    real_open = builtins.open

    def recording_open(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        return _RecordingFile(handle, reads) if str(file) == path else handle
    monkeypatch.setattr(builtins, 'open', recording_open)
    return reads


def test_the_read_asks_for_the_file_size_not_the_cap(tmp_path, monkeypatch):
    # Asked for the 50 MB cap, Python allocates a buffer of 50 MB for every file: the read asks for what is there.
    path = str(tmp_path / 'cat.jpg')
    shutil.copy(fixture('cat.jpg'), path)
    size = os.path.getsize(path)
    reads = _record_reads(monkeypatch, path)
    assert load_source_image(path).facts.size == size
    assert reads == [(size + 1, size)]


def test_a_file_that_grew_after_its_size_was_read_is_read_whole(tmp_path, monkeypatch):
    path = str(tmp_path / 'cat.jpg')
    shutil.copy(fixture('cat.jpg'), path)
    size = os.path.getsize(path)
    with open(path, 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    real_fstat = os.fstat

    def stale_fstat(fd):
        # The size as it was before the file was written to the end.
        status = real_fstat(fd)
        return os.stat_result(status[:6] + (status.st_size // 2,) + status[7:])
    monkeypatch.setattr(image_source.os, 'fstat', stale_fstat)
    reads = _record_reads(monkeypatch, path)
    source = load_source_image(path)
    assert source.facts.size == size
    assert source.facts.sha256 == digest
    # The second read goes on up to one byte past the cap, as a single read of an unknown size would.
    assert reads[0] == (size // 2 + 1, size // 2 + 1)
    assert reads[1] == (MAX_READ_BYTES + 1 - (size // 2 + 1), size - (size // 2 + 1))


def test_without_pillow_the_message_names_it(tmp_path, monkeypatch):
    monkeypatch.setattr(image_source, 'HAS_PIL', False)
    with pytest.raises(SourceImageError, match='needs the Python library Pillow'):
        load_source_image(fixture('cat.jpg'))
