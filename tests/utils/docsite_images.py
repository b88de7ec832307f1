# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Embed the pictures of docs/docsite/rst/*.png in the guides that show them, as data: URIs.

The Ansible docsite takes only the .rst files of docs/docsite/rst (antsibull-docs), so an image file beside a guide
never reaches it: a guide shows a picture through a substitution defined at its end,

    .. |audit-report| image:: data:image/png;base64,
       iVBORw0KGgo...

whose data is docs/docsite/rst/audit-report.png. The PNG stays the source (make bench --plot rewrites
performance-scaling.png): after changing one, run this script to embed it again. `--check` only says whether every
embedded picture is its file (tests/integration/test_docs.py).

Usage: python tests/utils/docsite_images.py [--check]
"""

from __future__ import annotations

import base64
import re
import sys
import textwrap
from pathlib import Path

GUIDES = Path(__file__).resolve().parents[2] / 'docs' / 'docsite' / 'rst'
# A substitution whose image is a PNG data: URI, with the base64 on the indented lines that follow.
EMBEDDED = re.compile(r'^\.\. \|(?P<name>[a-z0-9-]+)\| image:: data:image/png;base64,\n(?P<data>(?:   [A-Za-z0-9+/=]+\n)+)',
                      re.MULTILINE)


def embedded_block(name: str) -> str:
    data = base64.b64encode((GUIDES / ('%s.png' % name)).read_bytes()).decode('ascii')
    return '.. |%s| image:: data:image/png;base64,\n%s\n' % (name, textwrap.indent('\n'.join(textwrap.wrap(data, 117)), '   '))


def stale_pictures() -> list:
    """(guide, name) of each embedded picture that is not its PNG file."""
    stale = []
    for guide in sorted(GUIDES.glob('*.rst')):
        for match in EMBEDDED.finditer(guide.read_text(encoding='utf-8')):
            if match.group(0) != embedded_block(match.group('name')):
                stale.append((guide.name, match.group('name')))
    return stale


def embed() -> list:
    """Write each guide's embedded pictures from their files; the (guide, name) pairs rewritten."""
    stale = stale_pictures()
    for guide_name in sorted({guide for guide, dummy in stale}):
        guide = GUIDES / guide_name
        text = EMBEDDED.sub(lambda match: embedded_block(match.group('name')), guide.read_text(encoding='utf-8'))
        guide.write_text(text, encoding='utf-8')
    return stale


def main(argv: list) -> int:
    if argv == ['--check']:
        stale = stale_pictures()
        for guide, name in stale:
            print('docs/docsite/rst/%s: the picture |%s| is not %s.png; run .venv/bin/python tests/utils/docsite_images.py' % (
                guide, name, name))
        return 1 if stale else 0
    if argv:
        print(__doc__.rsplit('Usage: ', 1)[1].strip(), file=sys.stderr)
        return 2
    for guide, name in embed():
        print('docs/docsite/rst/%s: |%s| embedded from %s.png' % (guide, name, name))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
