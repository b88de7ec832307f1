# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The export's reads of Graph, one chunk of users at a time, in $batch requests (_graph/batch_runner.py).

First the photo metadata of every user (``…/photo``, under 1 KB): whether there is a photo, its ETag, type and size.
Then the bytes, only for the users whose file cannot be shown to hold them already: ``…/photo/$value`` for
``size: full``, ``…/photos/{size}/$value`` for a size. A size larger than the photo is not offered (GRAPH_PHOTO_API.md:
a photo comes in every size up to its own): the metadata says so before any download. Graph's own answer for such a
size, a 404 or, as the beta docs describe, the ``1x1`` size, is also recognised when it comes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.error_messages import describe_photo_error, is_no_photo
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.renditions import photo_metadata, rendition_fits
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.targets import target_from_options
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.picture_size import picture_size

FULL_SIZE = 'full'


@dataclass(frozen=True)
class ReadOutcome:
    """One answer: its value (PhotoMetadata of _photo/renditions.py, or the bytes of a download), or that there was none, or an error."""

    value: object = None
    missing: bool = False
    error: str | None = None


def side_of(size: str) -> int:
    return int(size.split('x', 1)[0])


class ExportReads:
    """Builds and sends one chunk's reads through a BatchRunner (shared by every worker thread)."""

    def __init__(self, runner, *, size: str):
        self.runner = runner
        self.size = size
        self.downloaded_bytes = 0
        self.downloads = 0
        self._count_lock = threading.Lock()

    @staticmethod
    def target(user):
        # Users are addressed by object id: stable, and nothing in it needs quoting (a guest's UPN holds '#').
        return target_from_options(user=user.id)

    def value_path(self, user) -> str:
        target = self.target(user)
        if self.size == FULL_SIZE:
            return target.photo_value_path
        return '%s/photos/%s/$value' % (target.sizes_root, self.size)

    def metadata(self, users: list) -> dict:
        """index -> ReadOutcome whose value is PhotoMetadata (missing: the user has no photo)."""
        answers = self._send(users, lambda user: self.target(user).photo_metadata_path)
        outcomes = {}
        for user in users:
            request, answer = answers[user.index]
            outcome = self._failure(user, request, answer)
            if outcome is None:
                metadata = photo_metadata(answer.json_body)
                outcome = ReadOutcome(value=metadata) if metadata is not None else ReadOutcome(
                    error='Graph answered the photo metadata of %s with something that is not JSON.' % user.label)
            outcomes[user.index] = outcome
        return outcomes

    def download(self, users: list) -> dict:
        """index -> ReadOutcome whose value is the bytes Graph serves (missing: none in this size, or no photo now)."""
        answers = self._send(users, self.value_path)
        outcomes = {}
        for user in users:
            request, answer = answers[user.index]
            outcome = self._failure(user, request, answer)
            if outcome is None:
                data = answer.body or b''
                with self._count_lock:
                    self.downloads += 1
                    self.downloaded_bytes += len(data)
                if not data:
                    outcome = ReadOutcome(error='Graph answered the photo of %s with no picture (%s).' % (
                        user.label, 'JSON' if answer.json_body is not None else 'an empty body'))
                elif self.size != FULL_SIZE and not self._fits(data):
                    # Not the size asked for: the 1x1 answer of the beta docs, or a picture of another size.
                    outcome = ReadOutcome(missing=True)
                else:
                    outcome = ReadOutcome(value=data)
            outcomes[user.index] = outcome
        return outcomes

    def _fits(self, data: bytes) -> bool:
        found = picture_size(data)
        return found is not None and rendition_fits(*found, size=side_of(self.size))

    def _send(self, users: list, path_of) -> dict:
        requests = {user.index: BatchRequest(id=str(user.index), method='GET', path=path_of(user)) for user in users}
        answers = self.runner.run(list(requests.values()))
        return {index: (request, answers[request.id]) for index, request in requests.items()}

    def _failure(self, user, request, answer) -> ReadOutcome | None:
        """The outcome of an answer that holds no photo (no photo, or an error), or None for a photo's answer."""
        if isinstance(answer, BatchItemFailure):
            return ReadOutcome(error='Could not read the photo of %s: %s.' % (user.label, answer))
        if answer.ok:
            return None
        error = answer.error(request)
        if is_no_photo(error):
            return ReadOutcome(missing=True)
        return ReadOutcome(error=describe_photo_error(self.target(user), 'read', error))
