# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and check the local ``src`` photo before anything is sent to Graph, and make it what will be uploaded.

The facts returned are those of the bytes that will be uploaded (the prepared photo when it is prepared): the
compare is made with what Graph will be sent, not with the file.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError, GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import (
    HAS_PIL,
    ImageDecodeError,
    PhotoFacts,
    photo_facts_from_bytes,
    photo_facts_from_header,
    photo_facts_from_picture,
    sniff_content_type,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import (
    MAX_READ_BYTES,
    DeferredPreparation,
    PhotoPrepareError,
    PreparedPhoto,
    prepare_photo,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.upload_options import check_prepare_options

# Graph's limit for a photo upload (the docs said 8 MB until 2023, then were corrected to 4 MB).
MAX_PHOTO_BYTES = 4 * 1024 * 1024
ACCEPTED_CONTENT_TYPES = ('image/jpeg', 'image/png', 'image/gif', 'image/bmp')


class SourceImageError(GraphModuleError):
    """The local photo cannot be used; the message names the path, the problem and the fix."""


@dataclass(frozen=True)
class SourceImage:
    """What will be uploaded for a local file: data, content_type and facts are those of the upload."""

    path: str
    data: bytes = field(repr=False)
    content_type: str
    facts: PhotoFacts
    prepared: bool = False
    reasons: tuple = ()
    # A DeferredPreparation while the photo is known only as a preview (data is None): complete() prepares it.
    deferred: object = field(default=None, repr=False)
    with_phash: bool = True
    # The sha256 of the file a deferred preparation was made from.
    file_sha256: str | None = None

    def complete(self) -> 'SourceImage':
        """The source with its upload made (the bytes, and the facts of those bytes); itself when it already has them.

        Raise SourceImageError with one sentence when preparing fails.
        """
        if self.deferred is None:
            return self
        # The file's bytes are not kept while the chunk waits for Graph (160 KB per 800 px photo, times every item in
        # flight): they are read again, and must be those that were compared.
        data = _read_once(self.path, MAX_READ_BYTES)
        if hashlib.sha256(data).hexdigest() != self.file_sha256:
            raise SourceImageError('The photo %s changed while the task ran; run the task again.' % self.path)
        try:
            upload = self.deferred.encode(data)
            # The photo was compared already (from its preview).
            return _uploaded_source(self.path, upload, with_phash=self.with_phash)
        except (PhotoPrepareError, ImageDecodeError) as exc:
            raise SourceImageError(str(exc)) from None

    def upload_info(self) -> dict:
        """The ``upload`` value modules return: whether the upload was prepared from the file, and why."""
        return {'prepared': self.prepared, 'reasons': list(self.reasons)}


def _uploaded_source(path: str, upload: PreparedPhoto, *, with_phash: bool) -> SourceImage:
    """The SourceImage of a prepared upload that nothing compares: only the facts the results show, read from the
    JPEG's header, and the perceptual hash only when a diff shows it. ImageDecodeError when the header is unreadable."""
    facts = photo_facts_from_bytes(upload.data, with_phash=True) if with_phash else photo_facts_from_header(upload.data)
    return SourceImage(path=path, data=upload.data, content_type=upload.content_type, facts=facts,
                       prepared=upload.prepared, reasons=upload.reasons, with_phash=with_phash)


def _read_once(path: str, limit: int) -> bytes:
    # Read at most one byte past the limit: a huge file is refused without loading all of it. The first read asks for
    # the file's own size and one byte more (to see it end): asked for limit + 1 bytes, Python allocates a buffer of
    # that size (50 MB) for every file, which cost 36 us of CPU per 6 KB file against 9 us.
    try:
        with open(path, 'rb') as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise SourceImageError('The photo %s is not a regular file; set src to an image file.' % path)
            wanted = min(status.st_size, limit) + 1
            data = handle.read(wanted)
            if len(data) == wanted and wanted <= limit:
                # The file grew since fstat(): read on, up to the same one byte past the limit.
                data += handle.read(limit + 1 - len(data))
            return data
    except FileNotFoundError:
        raise SourceImageError('The photo %s does not exist; check the src path.' % path) from None
    except IsADirectoryError:
        raise SourceImageError('The photo %s is a directory; set src to an image file.' % path) from None
    except PermissionError:
        raise SourceImageError('The photo %s cannot be read (permission denied); make it readable by the user running the module.'
                               % path) from None
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise SourceImageError('The photo %s does not exist; check the src path.' % path) from None
        raise SourceImageError('The photo %s cannot be read (%s); check the file and its disk.' % (path, exc.strerror or exc)) from None


def load_source_image(path: str, *, prepare: str = 'auto', crop: str = 'none', with_phash: bool = True,
                      defer_preparation: bool = False, compared: bool = True) -> SourceImage:
    """Read and check a local photo and return what will be uploaded for it (see prepare.py).

    ``with_phash=False``: its facts leave out the perceptual hash (see photo_facts_from_bytes).
    ``defer_preparation=True``: a photo that needs preparing is not prepared yet; its facts come from a small preview
    of the prepared picture, enough for a perceptual compare, and complete() prepares it when it is to be uploaded.
    ``compared=False``: nothing will compare the photo (its principal has none, so it is uploaded): one that needs
    preparing is prepared at once, whatever ``defer_preparation`` says, and the facts of the prepared JPEG are read
    from its header, as complete() reads them (preparing decoded the file already). A photo sent as it is is still
    decoded: that decode is what checks it.

    Raise SourceImageError with one clear sentence when it cannot be used.
    """
    try:
        check_prepare_options(prepare=prepare, crop=crop)
    except GraphOptionError as exc:
        raise SourceImageError(str(exc)) from None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None  # _read_once() reports why in its own words.
    if mode is not None and stat.S_ISDIR(mode):
        raise SourceImageError('The photo %s is a directory; set src to an image file.' % path)
    if mode is not None and not stat.S_ISREG(mode):
        # Checked before open(): opening a FIFO with no writer would block the module forever.
        raise SourceImageError('The photo %s is not a regular file; set src to an image file.' % path)
    # Sent as it is, the file must be within Graph's limit; prepared, only within what is sane to read.
    limit = MAX_PHOTO_BYTES if prepare == 'never' else MAX_READ_BYTES
    data = _read_once(path, limit)
    if not data:
        raise SourceImageError('The photo %s is empty (0 bytes); set src to a JPEG or PNG photo.' % path)
    if len(data) > limit:
        size = os.path.getsize(path)
        if prepare == 'never':
            raise SourceImageError('The photo %s is %.1f MB (%d bytes), over the 4 MB limit of Graph; resize it to 648x648 '
                                   'pixels (the largest size Graph keeps) and save it as JPEG, or set prepare to auto so that '
                                   'the module does it.' % (path, size / 1048576.0, size))
        raise SourceImageError('The photo %s is %.1f MB (%d bytes), more than the %d MB this module reads for a photo; check that '
                               'src is a photo, and resize it to 648x648 pixels (the largest size Graph keeps).'
                               % (path, size / 1048576.0, size, MAX_READ_BYTES // 1048576))
    # Detected from the bytes, not the file name: a PNG named .jpg is sent as image/png.
    content_type = sniff_content_type(data)
    if content_type not in ACCEPTED_CONTENT_TYPES:
        raise SourceImageError('The photo %s is not a JPEG, PNG, GIF or BMP image (judged by its content, not its name); '
                               'convert it to JPEG or PNG.' % path)
    if not HAS_PIL:
        raise SourceImageError('Checking the photo %s needs the Python library Pillow; install it where the module runs.' % path)
    try:
        upload = prepare_photo(data, prepare=prepare, crop=crop, name=path, defer=defer_preparation and compared)
        if not compared and isinstance(upload, PreparedPhoto) and upload.prepared:
            return _uploaded_source(path, upload, with_phash=with_phash)
    except (PhotoPrepareError, ImageDecodeError) as exc:
        raise SourceImageError(str(exc)) from None
    if isinstance(upload, DeferredPreparation):
        width, height = upload.size
        facts = photo_facts_from_picture(upload.preview, width=width, height=height, with_phash=with_phash)
        return SourceImage(path=path, data=None, content_type='image/jpeg', facts=facts, prepared=True, reasons=upload.reasons,
                           deferred=dataclasses.replace(upload, data=None, preview=None), with_phash=with_phash,
                           file_sha256=hashlib.sha256(data).hexdigest())
    try:
        facts = photo_facts_from_bytes(upload.data, with_phash=with_phash)
    except ImageDecodeError as exc:
        raise SourceImageError('The photo %s cannot be decoded as %s, it may be truncated or damaged (%s); re-export it as JPEG or PNG.'
                               % (path, upload.content_type, exc.reason or 'no pixels')) from None
    return SourceImage(path=path, data=upload.data, content_type=upload.content_type, facts=facts,
                       prepared=upload.prepared, reasons=upload.reasons)
