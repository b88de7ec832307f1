# -*- coding: utf-8 -*-
# Copyright (c) graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide whether the photo Graph serves shows the same picture as the local file.

Graph rewrites every upload (JPEG, downscaled to at most 648x648, metadata stripped, transparency
flattened, new ETag), so bytes and ETags never match the source. ``perceptual`` compares the 16x16
signatures from PhotoFacts instead; ``sha256`` is for services that store the bytes as sent.
Graph may also keep only the centred square of a non-square upload (unconfirmed), so that square
counts as the same picture, and no other crop does.
See docs/docsite/rst/photo_comparison.rst for the table of what counts as the same picture.
"""

from __future__ import annotations

import heapq
import math

from ansible_collections.graphops.msgraph.plugins.module_utils._libraries.optional_libraries import LazyModule, library_found

# Imported when two signatures are first compared, as facts.py is (below): the modules import this file for
# COMPARE_METHODS, and a bulk sync whose every principal is a cache hit compares nothing.
HAS_PIL = library_found('PIL')
Image = LazyModule('PIL.Image')
ImageChops = LazyModule('PIL.ImageChops')

COMPARE_METHODS = ('perceptual', 'sha256')

# The limits below were chosen on the test table in tests/unit/plugins/module_utils/test_photo_compare.py
# (6 photos; every Graph rewrite must match, every visible change must not). Each limit is the largest
# value a same-picture case reached, times about 1.6, so that both sides keep a margin: the measured
# margins are written in docs/docsite/rst/photo_comparison.rst and asserted by the tests. Values are in levels (0-255).
#
# Mean of the per-cell differences: the picture as a whole changed (another photo, mirrored, inverted).
MEAN_DIFF_LIMIT = 3.5
# Mean of the PEAK_CELLS most different cells: a local change (a 10% patch covers ~25 of the 256 cells)
# or a centred crop, which shifts edges while the mean barely moves.
PEAK_DIFF_LIMIT = 10.0
PEAK_CELLS = 8
# Largest mean signed difference of one channel: a colour cast (hue rotated, a channel shifted, greyscale).
COLOUR_CAST_LIMIT = 3.0
# |log(aspect ratio)| difference: a crop of 10% on one side changes it by 0.105; rounding the 48 px side
# of a Graph thumbnail changes it by at most 0.016.
ASPECT_LIMIT = 0.05
# A photo with fewer than this many pixels per cell of the 16x16 grid (e.g. Graph's 48x48: 9, 64x64: 16) averages
# too few pixels per cell: JPEG and resampling noise per cell is about twice as high there, so the three difference
# limits are multiplied by SMALL_IMAGE_ALLOWANCE. Counted by area, not by the shorter side: a 96x64 rendition of a
# 3:2 photo has 24 pixels per cell, and with the allowance a 10% crop of it came within 1.49x of matching.
SMALL_IMAGE_CELL_PIXELS = 20
SMALL_IMAGE_ALLOWANCE = 2.0
# Graph's photo counts as square when its sides differ by at most this many pixels (the rounding of a
# downscaled square); only then is the declared picture's centred square tried.
SQUARE_ROUNDING_PX = 1
# photo_distance() is the largest of the measured values divided by its limit: below 1.0 is the same picture.
MATCH_THRESHOLD = 1.0


def _signature_scores(local_sig: bytes, remote_sig: bytes) -> tuple:
    """Return (mean, peak, cast) differences between two RGB grids of the same size.

    Pillow's C code takes the absolute differences (ImageChops.difference) and the sums run over bytes in C;
    only the per-cell totals for the peak are a Python loop, of 256 small integers.
    """
    if len(local_sig) != len(remote_sig) or not local_sig or len(local_sig) % 3:
        raise ValueError('Photo signatures of different sizes cannot be compared; recompute both facts with the same version.')
    count = len(local_sig) // 3
    if HAS_PIL:
        # An RGB image of count x 1 pixels: the grid's shape does not matter to a per-pixel difference.
        absolute = ImageChops.difference(Image.frombytes('RGB', (count, 1), local_sig),
                                         Image.frombytes('RGB', (count, 1), remote_sig)).tobytes()
    else:  # without Pillow there are no signatures either; kept for the arithmetic's own tests
        absolute = bytes(abs(a - b) for a, b in zip(local_sig, remote_sig))
    cells = [r + g + b for r, g, b in zip(absolute[0::3], absolute[1::3], absolute[2::3])]
    peak_count = min(PEAK_CELLS, count)
    mean = sum(absolute) / (3.0 * count)
    peak = sum(heapq.nlargest(peak_count, cells)) / (3.0 * peak_count)
    cast = max(abs(sum(local_sig[channel::3]) - sum(remote_sig[channel::3])) for channel in range(3)) / float(count)
    return mean, peak, cast


def _interpretations(local, remote) -> list:
    """(name, local width, local height, local signatures) for each way Graph may have stored the local picture."""
    found = [('as_is', local.width, local.height, local.signatures)]
    remote_square = abs(remote.width - remote.height) <= SQUARE_ROUNDING_PX
    if remote_square and local.width != local.height and local.centred_square_signatures:
        side = min(local.width, local.height)
        found.append(('centred_square', side, side, local.centred_square_signatures))
    return found


def _view(signatures, index: int) -> str:
    from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import TRANSPARENCY_VIEWS  # pylint: disable=import-outside-toplevel
    if len(signatures) == 1:
        return 'opaque'
    return TRANSPARENCY_VIEWS[index] if index < len(TRANSPARENCY_VIEWS) else 'view_%d' % index


def distance_details(local, remote) -> dict:
    """The measured values behind photo_distance(), for debug output and tests.

    ``interpretation`` says which way of storing the local picture matched best: ``as_is`` (its aspect kept) or
    ``centred_square`` (Graph kept its centred square); ``view`` says how it is shown: ``opaque``, or for a picture
    with transparency ``on_white``, ``on_black`` or ``alpha_dropped``.
    """
    from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import SIGNATURE_GRID  # pylint: disable=import-outside-toplevel
    if not local.signatures or not remote.signatures:
        raise ValueError('Both photos need signatures to be compared perceptually; build them with photo_facts_from_bytes().')
    cell_pixels = min(local.width * local.height, remote.width * remote.height) / float(SIGNATURE_GRID * SIGNATURE_GRID)
    allowance = SMALL_IMAGE_ALLOWANCE if cell_pixels < SMALL_IMAGE_CELL_PIXELS else 1.0
    candidates = []
    for interpretation, width, height, local_signatures in _interpretations(local, remote):
        aspect = abs(math.log((width * remote.height) / float(height * remote.width)))
        # A local image with transparency has one signature per way Graph may show it.
        for index, local_sig in enumerate(local_signatures):
            for remote_sig in remote.signatures:
                mean, peak, cast = _signature_scores(local_sig, remote_sig)
                distance = max(
                    mean / (MEAN_DIFF_LIMIT * allowance),
                    peak / (PEAK_DIFF_LIMIT * allowance),
                    cast / (COLOUR_CAST_LIMIT * allowance),
                    aspect / ASPECT_LIMIT,
                )
                candidates.append({'distance': distance, 'mean': mean, 'peak': peak, 'cast': cast,
                                   'aspect': aspect, 'allowance': allowance,
                                   'interpretation': interpretation, 'view': _view(local_signatures, index)})
    return min(candidates, key=lambda candidate: candidate['distance'])


def photo_distance(local, remote) -> float:
    """How far apart two pictures are; below MATCH_THRESHOLD (1.0) they show the same picture."""
    return distance_details(local, remote)['distance']


def photos_match(local, remote, method: str = 'perceptual') -> bool:
    """True when ``remote`` holds ``local``'s picture (``perceptual``) or its exact bytes (``sha256``)."""
    if method == 'sha256':
        return local.sha256 == remote.sha256
    if method != 'perceptual':
        raise ValueError('Unknown compare method %r; use one of %s.' % (method, ', '.join(COMPARE_METHODS)))
    # Identical bytes are the same picture; skip the arithmetic.
    if local.sha256 == remote.sha256:
        return True
    return photo_distance(local, remote) < MATCH_THRESHOLD
