# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Headless Chromium (Debian's `chromium` package, which `make test` installs) for the HTML report tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageStat


def chromium() -> str:
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    assert path, 'chromium is not installed: run `make chromium` (apt-get install chromium) or `make test`'
    return path


def _run(profile: Path, arguments: list) -> subprocess.CompletedProcess:
    # --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
    # --virtual-time-budget: wait (in virtual time) until the page is loaded and its script ran.
    command = [chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
               '--user-data-dir=%s' % profile, '--virtual-time-budget=5000', '--hide-scrollbars'] + arguments
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def dump_dom(page: Path, fragment: str = '', *, profile: Path) -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    return _run(profile, ['--dump-dom', page.as_uri() + (('#' + fragment) if fragment else '')]).stdout


def screenshot(page: Path, png: Path, *, profile: Path, width: int = 1100, height: int = 800, dark: bool = False) -> Path:
    arguments = ['--screenshot=%s' % png, '--window-size=%d,%d' % (width, height)]
    if dark:
        # Makes prefers-color-scheme answer dark, as a system in dark mode does.
        arguments.append('--force-dark-mode')
    _run(profile, arguments + [page.as_uri()])
    return png


def image_stats(png: Path) -> tuple:
    """(distinct colours, mean luminance, luminance standard deviation) of a screenshot."""
    with Image.open(png) as image:
        rgb = image.convert('RGB')
        colours = rgb.getcolors(maxcolors=1 << 20)
        grey = ImageStat.Stat(rgb.convert('L'))
        return len(colours) if colours else 1 << 20, grey.mean[0], grey.stddev[0]
