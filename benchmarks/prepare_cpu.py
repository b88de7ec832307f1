# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU cost of preparing one camera photo for upload (_photo/prepare.py: prepare_photo), in process CPU time.

The photo is made with Pillow: 4000x3000 (12 megapixels), a picture with camera-like grain, JPEG quality 92,
EXIF orientation 6 (a portrait phone photo), 3 to 5 MB. Each run prepares it (orientation applied, fitted within
648x648, JPEG of at most 100 KB); the figure is time.process_time() per run, median and range over the runs.

Usage: PYTHONPATH=.build/collections python benchmarks/prepare_cpu.py [--runs 10] [--crop square]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from PIL import Image, ImageDraw

from ansible_collections.graphops.msgraph.plugins.module_utils._photo.prepare import prepare_photo


def camera_photo(width: int = 4000, height: int = 3000) -> bytes:
    picture = Image.linear_gradient('L').resize((width, height)).convert('RGB')
    draw = ImageDraw.Draw(picture)
    for step in range(0, width, width // 12):
        draw.ellipse((step, height // 4, step + width // 10, height * 3 // 4), fill=(40 + step % 200, 120, 200 - step % 150))
    grain = Image.merge('RGB', [Image.effect_noise((width, height), 40) for dummy in range(3)])
    photo = Image.blend(picture, grain, 0.25)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    photo.save(out, 'JPEG', quality=92, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--crop', default='none', choices=['none', 'square'])
    args = parser.parse_args()
    data = camera_photo()
    prepared = prepare_photo(data, crop=args.crop)  # warm-up, and the facts to print
    times = []
    for dummy in range(args.runs):
        started = time.process_time()
        prepare_photo(data, crop=args.crop)
        times.append(time.process_time() - started)
    result = Image.open(io.BytesIO(prepared.data))
    print('source: 4000x3000 JPEG, %d bytes; prepared: %dx%d JPEG, %d bytes, reasons %s'
          % (len(data), result.size[0], result.size[1], len(prepared.data), ', '.join(prepared.reasons)))
    print('CPU per prepare over %d runs: median %.1f ms, min %.1f ms, max %.1f ms'
          % (args.runs, statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000))


if __name__ == '__main__':
    main()
