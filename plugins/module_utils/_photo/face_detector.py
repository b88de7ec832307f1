# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``crop: face``: find the largest face of a picture with OpenCV 4's Haar cascade for frontal faces.

Why this detector: OpenCV is a well-kept library on PyPI whose 4.x wheels (``opencv-python-headless``, no GUI
libraries needed) ship the trained cascades in the wheel itself (``cv2.data.haarcascades``, checked on 4.14.0.94):
nothing is downloaded at run time, which an execution environment without network access needs. OpenCV 5 no longer
ships the cascades, and its DNN detector (FaceDetectorYN) needs a model file from elsewhere, so 4.x is required.
The cascade finds frontal and near-frontal faces, which is what HR and badge photos show; a profile or a face hidden
behind a camera is not found, and the photo then gets the centred square with the reason ``no_face_found``.

Imported only when ``crop: face`` is used: the other runs never pay for OpenCV (about 100-200 ms to import) and need
not have it installed. The search runs on a grey copy of the picture at most DETECT_SIDE pixels on its longer side,
with its histogram equalised; the same bytes always give the same copy, so the same face.
"""

from __future__ import annotations

import os
import threading

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError
from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import LazyModule, library_found

FACE_DETECTOR_PACKAGE = 'opencv-python-headless'
FACE_DETECTOR_REQUIREMENT = 'opencv-python-headless>=4.5,<5'
# alt2 rather than default: on the test photographs default also took a patch of a space suit for a face, larger than
# the real one (tests/unit/plugins/module_utils/test_face_crop.py); alt2 found only the face.
CASCADE_FILE = 'haarcascade_frontalface_alt2.xml'
# The grey copy searched: 480 px on its longer side keeps a face of a tenth of the shorter side of a 16:9 shot (a
# head-and-shoulders portrait has 20-45%) at 27 px, over the cascade's own 20 px window.
DETECT_SIDE = 480
# Faces smaller than this fraction of the shorter side are people in the background, not the photo's subject; the
# search from there up costs about 40 ms per photo against 100 ms from 6% (benchmarks/prepare_cpu.py --case faces).
MIN_FACE_FRACTION = 0.1
MIN_FACE_PIXELS = 20
# Windows grow by 15% per step (OpenCV's example uses 10%: 1.5x the CPU, and the test photographs gave the same faces);
# a face is where 5 overlapping windows agree (fewer let textures through as faces, more lose faces turned a little).
SCALE_FACTOR = 1.15
MIN_NEIGHBOURS = 5

cv2 = LazyModule('cv2')
numpy = LazyModule('numpy')

_local = threading.local()
_setup_lock = threading.Lock()
_setup_done = []


class FaceDetectorMissing(GraphModuleError):
    """OpenCV cannot be imported, or its wheel has no cascade; str() names the package to install."""


def face_detector_found() -> bool:
    """Whether OpenCV can be imported (found, not imported)."""
    return library_found('cv2') and library_found('numpy')


def missing_face_detector_message() -> str:
    """What to install for crop: face, where the module runs and in an execution environment."""
    return ('crop: face needs the Python library %s (OpenCV 4, whose wheel ships its face detector): install it where '
            'the module runs (pip install "%s"), or in an execution environment add that line to its Python requirements '
            '(see meta/ee-requirements.txt of graphops.msgraph); or use crop: square.'
            % (FACE_DETECTOR_PACKAGE, FACE_DETECTOR_REQUIREMENT))


def _classifier():
    """This thread's cascade (a CascadeClassifier must not search from two threads at once)."""
    classifier = getattr(_local, 'classifier', None)
    if classifier is not None:
        return classifier
    try:
        path = os.path.join(cv2.data.haarcascades, CASCADE_FILE)
        with _setup_lock:
            if not _setup_done:
                # The sync's compute threads are the parallelism: OpenCV's own pool would only compete with them.
                cv2.setNumThreads(1)
                _setup_done.append(True)
    except (ImportError, AttributeError):
        raise FaceDetectorMissing(missing_face_detector_message()) from None
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise FaceDetectorMissing('The face detector of OpenCV %s has no %s (OpenCV 5 no longer ships it); %s'
                                  % (getattr(cv2, '__version__', '?'), CASCADE_FILE, missing_face_detector_message()))
    _local.classifier = classifier
    return classifier


def largest_face(grey) -> tuple | None:
    """(x, y, w, h) of the largest face of ``grey`` (a Pillow picture of mode L, upright, at most DETECT_SIDE pixels
    on its longer side), or None when there is none. Ties go to the face nearest the top left, so the answer never
    depends on the order OpenCV lists them in. FaceDetectorMissing without OpenCV."""
    classifier = _classifier()
    pixels = cv2.equalizeHist(numpy.asarray(grey, dtype=numpy.uint8))
    smallest = max(MIN_FACE_PIXELS, int(round(min(grey.size) * MIN_FACE_FRACTION)))
    found = classifier.detectMultiScale(pixels, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBOURS,
                                        minSize=(smallest, smallest))
    faces = [tuple(int(value) for value in face) for face in found]
    if not faces:
        return None
    return min(faces, key=lambda face: (-face[2] * face[3], face[1], face[0]))
