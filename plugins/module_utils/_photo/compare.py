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

import math

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import TRANSPARENCY_VIEWS

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
# A photo with fewer than this many pixels on its shorter side (e.g. Graph's 48x48) has fewer than
# 6 pixels per cell; JPEG and resampling noise per cell is about twice as high there, so the three
# difference limits are multiplied by SMALL_IMAGE_ALLOWANCE.
SMALL_IMAGE_SIDE = 96
SMALL_IMAGE_ALLOWANCE = 2.0
# Graph's photo counts as square when its sides differ by at most this many pixels (the rounding of a
# downscaled square); only then is the declared picture's centred square tried.
SQUARE_ROUNDING_PX = 1
# photo_distance() is the largest of the measured values divided by its limit: below 1.0 is the same picture.
MATCH_THRESHOLD = 1.0


def _signature_scores(local_sig: bytes, remote_sig: bytes) -> tuple:
    """Return (mean, peak, cast) differences between two RGB grids of the same size."""
    if len(local_sig) != len(remote_sig) or not local_sig or len(local_sig) % 3:
        raise ValueError('Photo signatures of different sizes cannot be compared; recompute both facts with the same version.')
    cells = []
    channel_sums = [0, 0, 0]
    for i in range(0, len(local_sig), 3):
        d_r = local_sig[i] - remote_sig[i]
        d_g = local_sig[i + 1] - remote_sig[i + 1]
        d_b = local_sig[i + 2] - remote_sig[i + 2]
        channel_sums[0] += d_r
        channel_sums[1] += d_g
        channel_sums[2] += d_b
        cells.append(abs(d_r) + abs(d_g) + abs(d_b))
    count = len(cells)
    cells.sort(reverse=True)
    peak_count = min(PEAK_CELLS, count)
    mean = sum(cells) / (3.0 * count)
    peak = sum(cells[:peak_count]) / (3.0 * peak_count)
    cast = max(abs(total) for total in channel_sums) / float(count)
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
    if len(signatures) == 1:
        return 'opaque'
    return TRANSPARENCY_VIEWS[index] if index < len(TRANSPARENCY_VIEWS) else 'view_%d' % index


def distance_details(local, remote) -> dict:
    """The measured values behind photo_distance(), for debug output and tests.

    ``interpretation`` says which way of storing the local picture matched best: ``as_is`` (its aspect kept) or
    ``centred_square`` (Graph kept its centred square); ``view`` says how it is shown: ``opaque``, or for a picture
    with transparency ``on_white``, ``on_black`` or ``alpha_dropped``.
    """
    if not local.signatures or not remote.signatures:
        raise ValueError('Both photos need signatures to be compared perceptually; build them with photo_facts_from_bytes().')
    shortest = min(local.width, local.height, remote.width, remote.height)
    allowance = SMALL_IMAGE_ALLOWANCE if shortest < SMALL_IMAGE_SIDE else 1.0
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
