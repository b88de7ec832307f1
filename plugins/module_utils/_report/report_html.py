# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit a person looks at: one self-contained HTML file per sync run, with the photos side by side.

A sync drops each chunk's images once its results are built, so the thumbnails are made while the images are in
hand (PhotoSync.on_images calls add_images() from its compute threads) and spooled to an anonymous temporary file;
only their offsets stay in memory. write() then streams the page: totals first, then one row per result with its
two thumbnails read back from the spool, into a temporary file next to the report that replaces it at the end.
The thumbnails are photos of people: the file is private like every photo this collection writes
(_files/private_files.py: 0600 unless the task's mode, owner and group say otherwise).

The page needs no network: styles, script and thumbnails (JPEG data: URIs) are inline, and its Content-Security-Policy
forbids loading anything else and runs only the page's own script (by hash), so a principal or file name that holds
markup could not run even if escaping failed. The verdict filter works without JavaScript (radio buttons and CSS
:has()); the script only keeps the filter in the URL fragment and says how many rows are shown.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import io
import os
import tempfile
import threading

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphOptionError
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import SourceImageError, load_source_image
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.facts import HAS_PIL

if HAS_PIL:
    from PIL import Image, ImageOps

# 48 px JPEGs at quality 70 are 0.7 to 1.2 KB (1 to 1.6 KB as base64): with two per row, a 10,000-item report
# stays near 35 MB, under the 50 MB a browser still opens in a few seconds.
THUMBNAIL_SIDE = 48
THUMBNAIL_QUALITY = 70

# Verdict key -> (word in check mode, word in a real run). The keys are the filter's values and the rows' classes.
VERDICT_WORDS = {
    'unchanged': ('unchanged', 'unchanged'),
    'set': ('would set', 'set'),
    'remove': ('would remove', 'removed'),
    'skipped': ('skipped', 'skipped'),
    'failed': ('failed', 'failed'),
}

_STYLE = '''
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f3f5f7;
  --set: #0b5cad; --set-bg: #ddeeff; --remove: #8a4600; --remove-bg: #fff1dc; --ok: #1a6b2f; --ok-bg: #e2f5e6;
  --skip: #5a5f66; --skip-bg: #eceef0; --fail: #b3141d; --fail-bg: #ffe3e3; --none-bg: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1318; --fg: #e6edf3; --muted: #9aa6b2; --line: #30363d; --head: #161b22;
    --set: #79b8ff; --set-bg: #0d2a4a; --remove: #ffb86b; --remove-bg: #3b2405; --ok: #6fdc8c; --ok-bg: #0f2d19;
    --skip: #b1bac4; --skip-bg: #262c33; --fail: #ff8b8b; --fail-bg: #471518; --none-bg: #1c2128; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
.meta { color: var(--muted); margin: 0 0 1rem; overflow-wrap: break-word; }
.totals { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.totals li { padding: .35rem .7rem; border-radius: .4rem; border: 1px solid var(--line); }
.totals strong { font-size: 1.2rem; margin-right: .3rem; }
fieldset.filter { border: 1px solid var(--line); border-radius: .4rem; margin: 0 0 .5rem; padding: .3rem .7rem .5rem; }
fieldset.filter label { display: inline-block; margin: .15rem .8rem .15rem 0; white-space: nowrap; cursor: pointer; }
.status { color: var(--muted); margin: 0 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: middle; }
thead th { background: var(--head); position: sticky; top: 0; white-space: nowrap; }
tbody th { font-weight: 600; overflow-wrap: anywhere; min-width: 14rem; }
figure { margin: 0; display: flex; flex-direction: column; align-items: flex-start; gap: .15rem; }
figcaption { color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; max-width: 14rem; min-width: 7rem; }
img.thumb { width: auto; height: auto; max-width: 48px; max-height: 48px; border-radius: .3rem; display: block;
  border: 1px solid var(--line); background: #fff; }
.nophoto { display: inline-flex; align-items: center; justify-content: center; width: 48px; height: 48px;
  border-radius: .3rem; border: 1px dashed var(--line); background: var(--none-bg); color: var(--muted);
  font-size: .7rem; text-align: center; line-height: 1.1; }
.verdict { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; font-weight: 600; white-space: nowrap; }
.v-unchanged .verdict { color: var(--ok); background: var(--ok-bg); }
.v-set .verdict { color: var(--set); background: var(--set-bg); }
.v-remove .verdict { color: var(--remove); background: var(--remove-bg); }
.v-skipped .verdict { color: var(--skip); background: var(--skip-bg); }
.v-failed .verdict { color: var(--fail); background: var(--fail-bg); }
.v-failed .reason { color: var(--fail); }
.reason { overflow-wrap: anywhere; min-width: 12rem; }
body:has(#show-unchanged:checked) tbody tr:not(.v-unchanged),
body:has(#show-set:checked) tbody tr:not(.v-set),
body:has(#show-remove:checked) tbody tr:not(.v-remove),
body:has(#show-skipped:checked) tbody tr:not(.v-skipped),
body:has(#show-failed:checked) tbody tr:not(.v-failed) { display: none; }
@media (max-width: 40rem) {
  body { padding: .6rem; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, caption, tbody, tr, th, td { display: block; width: 100%; }
  tbody th, .reason, figcaption { min-width: 0; }
  tbody tr { border: 1px solid var(--line); border-radius: .5rem; margin: 0 0 .6rem; padding: .3rem; }
  tbody th, tbody td { border: 0; padding: .25rem .4rem; }
  td.photo { display: inline-block; width: auto; vertical-align: top; }
  td[data-label]::before { content: attr(data-label); display: block; color: var(--muted); font-size: .75rem; }
}
'''

# Runs once the page and its shown images are loaded ('load'): marks each thumbnail decoded or not (a thumbnail that
# cannot be shown falls back to its alt text; a lazy one once it is loaded), applies a filter named in the URL
# fragment (#failed), keeps the fragment in step with the filter so that a filtered view can be linked, and says how
# many rows are shown.
_SCRIPT = '''
(function () {
  'use strict';
  var radios = document.querySelectorAll('input[name="verdict"]');
  var rows = document.querySelectorAll('tbody tr');
  var status = document.getElementById('status');
  function update() {
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var visible = rows[i].getClientRects().length > 0;
      rows[i].setAttribute('data-shown', visible ? 'yes' : 'no');
      if (visible) { shown++; }
    }
    status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' items.';
  }
  function fromFragment() {
    var wanted = document.getElementById('show-' + decodeURIComponent(location.hash.slice(1)));
    if (wanted && wanted.name === 'verdict') { wanted.checked = true; }
    update();
  }
  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener('change', function (event) {
      history.replaceState(null, '', '#' + event.target.value);
      update();
    });
  }
  window.addEventListener('hashchange', fromFragment);
  function mark(event) {
    var image = event.target || event;
    image.setAttribute('data-decoded', image.naturalWidth > 0 ? 'yes' : 'no');
  }
  window.addEventListener('load', function () {
    var images = document.images;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete) {
        mark(images[i]);
      } else {
        // A lazy thumbnail far from the view is decoded when it comes near it.
        images[i].addEventListener('load', mark);
        images[i].addEventListener('error', mark);
      }
    }
    fromFragment();
    document.documentElement.setAttribute('data-ready', 'yes');
  });
}());
'''


def _csp_hash(text: str) -> str:
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode('ascii')


# Nothing but data: images and the page's own style and script may load.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src %s; script-src %s; base-uri 'none'; form-action 'none'" % (
    _csp_hash(_STYLE), _csp_hash(_SCRIPT))


class ReportPathError(GraphOptionError):
    """The report cannot be written where it was asked for; the message names the path and the fix."""


def check_report_path(path: str) -> None:
    """Fail before any Graph request when the report could not be written at the end of the run."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ReportPathError('report %s is a directory; give the path of an .html file, such as %s.' % (
            path, os.path.join(path, 'photos-audit.html')))
    if not os.path.isdir(directory):
        raise ReportPathError('The directory of report %s, %s, does not exist; create it first or choose another path.' % (
            path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ReportPathError('The directory of report %s, %s, is not writable by the user running the module; '
                              'choose another path or fix its permissions.' % (path, directory))


def verdict_of(result: dict) -> str:
    """The verdict key of one sync result: unchanged, set, remove, skipped or failed."""
    if result.get('error'):
        return 'failed'
    if result.get('skipped'):
        return 'skipped'
    if result.get('action') in ('set', 'remove'):
        return result['action']
    return 'unchanged'


def verdict_word(verdict: str, *, check_mode: bool) -> str:
    return VERDICT_WORDS[verdict][0 if check_mode else 1]


def make_thumbnail(data: bytes) -> tuple | None:
    """(width, height, base64 JPEG) of a small upright copy of an image, or None when it cannot be decoded."""
    if not data or not HAS_PIL:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        if image.format == 'JPEG':
            # Decode at 1/2 .. 1/8 scale: a thumbnail needs only a few pixels.
            image.draft('RGB', (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        image = ImageOps.exif_transpose(image)
        if image.mode in ('RGBA', 'LA', 'PA', 'P') or 'transparency' in image.info:
            # Shown on white, like Graph shows a flattened upload (JPEG has no alpha).
            image = image.convert('RGBA')
            image = Image.alpha_composite(Image.new('RGBA', image.size, (255, 255, 255, 255)), image)
        image = image.convert('RGB')
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, 'JPEG', quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, Image.DecompressionBombError):
        return None
    return image.width, image.height, base64.b64encode(buffer.getvalue()).decode('ascii')


def _esc(value) -> str:
    return html.escape('' if value is None else str(value), quote=True)


class PhotoReportHtml:
    """Collects thumbnails during a sync (add_images, thread-safe) and writes the page at the end (write)."""

    def __init__(self, path: str, *, check_mode: bool, source: str, compare: str, shard: tuple = (0, 1),
                 prepare: str = 'auto', crop: str = 'none'):
        self.path = path
        # The declared photo shown is what is uploaded (prepared, cropped), also for a row whose file the sync did not
        # read (a cache hit, an item that failed before its chunk was read).
        self.prepare = prepare
        self.crop = crop
        self.check_mode = check_mode
        self.source = source
        self.compare = compare
        self.shard = shard
        self._spool = tempfile.TemporaryFile()  # pylint: disable=consider-using-with  # closed by close()
        self._where = {}  # (key, 'current' | 'declared') -> (offset, length) in the spool
        self._lock = threading.Lock()

    def close(self) -> None:
        self._spool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def add_images(self, key, *, declared: bytes | None, current: bytes | None) -> None:
        """Thumbnails of the declared photo and of the one Graph holds for the item named key (its index)."""
        for role, data in (('declared', declared), ('current', current)):
            thumbnail = make_thumbnail(data) if data else None
            if thumbnail is not None:
                self._store((key, role), thumbnail)

    def has_image(self, key, role: str) -> bool:
        return (key, role) in self._where

    def _store(self, slot: tuple, thumbnail: tuple) -> None:
        record = ('%d,%d,%s' % thumbnail).encode('ascii')
        with self._lock:
            self._spool.seek(0, os.SEEK_END)
            self._where[slot] = (self._spool.tell(), len(record))
            self._spool.write(record)

    def _load(self, slot: tuple) -> tuple | None:
        where = self._where.get(slot)
        if where is None:
            return None
        with self._lock:
            self._spool.seek(where[0])
            record = self._spool.read(where[1]).decode('ascii')
        width, height, data = record.split(',', 2)
        return int(width), int(height), data

    def write(self, rows: list, totals: dict, *, files, now: datetime.datetime | None = None) -> dict:
        """rows: (key, result) in report order. Returns path, rows and bytes of the written report.

        files (a PrivateFileWriter) puts the finished file in place atomically, with the task's file options.
        """
        for key, result in rows:
            # Items that failed before their chunk was read (a bad file name, a duplicate), and cache hits, still show
            # what their file uploads.
            if result.get('src') and not self.has_image(key, 'declared'):
                try:
                    self.add_images(key, declared=load_source_image(result['src'], prepare=self.prepare, crop=self.crop).data,
                                    current=None)
                except SourceImageError:
                    pass
        with files.replacing(self.path) as binary:
            out = io.TextIOWrapper(binary, encoding='utf-8', newline='\n')
            self._write_page(out, rows, totals, now or datetime.datetime.now(datetime.timezone.utc))
            out.flush()
            size = binary.tell()
            # The handle is the writer's to close (after its fsync), not the text layer's.
            out.detach()
        return dict(path=self.path, rows=len(rows), bytes=size)

    # --- the page ---
    def _title(self) -> str:
        return 'Profile photos audit (check mode: nothing was changed)' if self.check_mode else 'Profile photos sync'

    def _write_page(self, out, rows: list, totals: dict, now: datetime.datetime) -> None:
        counts = dict.fromkeys(VERDICT_WORDS, 0)
        for dummy, result in rows:
            counts[verdict_of(result)] += 1
        out.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                  '<meta http-equiv="Content-Security-Policy" content="%s">\n'
                  '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                  '<meta name="color-scheme" content="light dark">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n'
                  % (_esc(CONTENT_SECURITY_POLICY), _esc(self._title()), _STYLE))
        out.write('<header>\n<h1>%s</h1>\n' % _esc(self._title()))
        shard = ', shard %d of %d' % (self.shard[0], self.shard[1]) if self.shard[1] > 1 else ''
        out.write('<p class="meta">Source: %s%s &middot; compare: %s &middot; written %s</p>\n' % (
            _esc(self.source), _esc(shard), _esc(self.compare), _esc(now.strftime('%Y-%m-%d %H:%M UTC'))))
        out.write('<ul class="totals" aria-label="Totals">\n<li><strong>%d</strong>items</li>\n' % len(rows))
        shown_verdicts = [verdict for verdict in VERDICT_WORDS
                          # Skipped items exist only where the sync can skip (a scope); otherwise no empty filter.
                          if verdict != 'skipped' or counts[verdict] or 'skipped' in totals]
        for verdict in shown_verdicts:
            out.write('<li class="v-%s"><strong>%d</strong><span class="verdict">%s</span></li>\n' % (
                verdict, counts[verdict], _esc(verdict_word(verdict, check_mode=self.check_mode))))
        out.write('</ul>\n</header>\n<main>\n')
        out.write('<fieldset class="filter">\n<legend>Show</legend>\n'
                  '<label><input type="radio" name="verdict" id="show-all" value="all" checked> all (%d)</label>\n' % len(rows))
        for verdict in shown_verdicts:
            out.write('<label><input type="radio" name="verdict" id="show-%s" value="%s"> %s (%d)</label>\n' % (
                verdict, verdict, _esc(verdict_word(verdict, check_mode=self.check_mode)), counts[verdict]))
        out.write('</fieldset>\n<p class="status" id="status" role="status" aria-live="polite">%d items.</p>\n' % len(rows))
        out.write('<table>\n<caption>One row per item: the photo Graph holds, the declared photo and the verdict</caption>\n'
                  '<thead><tr><th scope="col">Principal</th><th scope="col">Photo in Graph</th>'
                  '<th scope="col">Declared photo</th><th scope="col">Verdict</th><th scope="col">Reason</th></tr></thead>\n'
                  '<tbody>\n')
        for key, result in rows:
            out.write(self._row(key, result))
        out.write('</tbody>\n</table>\n</main>\n<script>%s</script>\n</body>\n</html>\n' % _SCRIPT)

    def _row(self, key, result: dict) -> str:
        verdict = verdict_of(result)
        principal = result.get('principal') or ''
        src = result.get('src')
        current = self._load((key, 'current'))
        if current is not None:
            current_cell = self._image(current, 'Photo Graph holds for %s' % principal)
        elif (result.get('photo') or {}).get('before') is None and verdict != 'failed':
            current_cell = '<span class="nophoto">no photo</span>'
        else:
            current_cell = '<span class="nophoto">not read</span>'
        declared = self._load((key, 'declared'))
        if result.get('state') == 'absent':
            declared_cell = '<span class="nophoto">no photo (absent)</span>'
        elif declared is not None:
            declared_cell = self._image(declared, 'Declared photo for %s%s' % (
                principal, ' (%s)' % os.path.basename(src) if src else ''))
        else:
            declared_cell = '<span class="nophoto">cannot be shown</span>' if src else '<span class="nophoto">none</span>'
        if src:
            declared_cell = '<figure>%s<figcaption>%s</figcaption></figure>' % (declared_cell, _esc(os.path.basename(src)))
        reason = result.get('reason') or ''
        if 'no_face_found' in ((result.get('upload') or {}).get('reasons') or ()):
            # crop: face found no face and used the centred square: a photo for a person to look at.
            reason += '; no face found: the centred square'
        return self._row_html(verdict, principal, current_cell, declared_cell, reason)

    def _row_html(self, verdict: str, principal: str, current_cell: str, declared_cell: str, reason: str) -> str:
        return ('<tr class="v-%s"><th scope="row">%s</th><td class="photo" data-label="In Graph">%s</td>'
                '<td class="photo" data-label="Declared">%s</td><td data-label="Verdict"><span class="verdict">%s</span></td>'
                '<td class="reason" data-label="Reason">%s</td></tr>\n' % (
                    verdict, _esc(principal), current_cell, declared_cell,
                    _esc(verdict_word(verdict, check_mode=self.check_mode)), _esc(reason)))

    @staticmethod
    def _image(thumbnail: tuple, alt: str) -> str:
        # Lazy: a browser decodes the thumbnails of the rows it shows, not of all of them at once. A 50,000-row report
        # (127 MB) rendered in headless Chromium in 43 s with a 2.5 GB renderer against 142 s and 5.7 GB without.
        width, height, data = thumbnail
        return ('<img class="thumb" width="%d" height="%d" loading="lazy" decoding="async" alt="%s" '
                'src="data:image/jpeg;base64,%s">' % (width, height, _esc(alt), data))
