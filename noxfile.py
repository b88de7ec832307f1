# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks community collections run through antsibull-nox: its sessions, configured in antsibull-nox.toml.

`make nox` (part of `make test`) runs them with the nox and antsibull-nox that requirements-dev.txt pins into .venv;
`.venv/bin/nox -l` lists them. The ansible-test sessions are not configured: they run in containers only, which this
machine and CI do not have, so `make sanity` and `make units` run ansible-test in virtualenvs instead (README.md).
"""

from __future__ import annotations

import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print('nox needs antsibull-nox in its own environment: run `make nox`, or pip install -r requirements-dev.txt')
    sys.exit(1)

antsibull_nox.load_antsibull_nox_toml()

if __name__ == '__main__':
    nox.main()
