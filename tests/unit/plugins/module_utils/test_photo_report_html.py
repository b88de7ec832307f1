# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report writer: verdict words, escaping of user data, thumbnail sizes, the path check and the atomic
write; and the sync's on_images hook, which hands the writer both photos while they are in hand."""

from __future__ import annotations

import base64
import io
import os
import random
import re
from html.parser import HTMLParser

import pytest
from PIL import Image, ImageDraw

from ansible_collections.graphops.msgraph.plugins.module_utils._report.report_html import (
    THUMBNAIL_SIDE,
    PhotoReportHtml,
    ReportPathError,
    check_report_path,
    make_thumbnail,
    verdict_of,
    verdict_word,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._photo.source import load_source_image
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.runner import PhotoSync
from ansible_collections.graphops.msgraph.plugins.module_utils._sync.items import items_from_photos

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import FakeBatchClient, graph_error_body, inner
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import make_writer
# The writer sets the process umask to 077; this autouse fixture puts the usual one back after each test.
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.test_private_files import usual_umask  # noqa: F401  # pylint: disable=unused-import


def detailed_photo(seed: int, side: int = 512, fmt: str = 'JPEG') -> bytes:
    """A busy picture (noise and shapes): thumbnails of real portraits are no smaller than this."""
    rng = random.Random(seed)
    image = Image.effect_noise((side, side), 60).convert('RGB')
    draw = ImageDraw.Draw(image)
    for dummy in range(40):
        x, y = rng.randrange(side), rng.randrange(side)
        draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)),
                     fill=tuple(rng.randrange(256) for dummy in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=90)
    return buffer.getvalue()


def result(principal, *, action='none', error=None, src=None, state='present', reason='', before=None, skipped=None):
    entry = dict(principal=principal, src=src, state=state, action=action, changed=action != 'none' and not error,
                 error=error, reason=reason or error or '', photo=dict(before=before, after=None))
    if skipped is not None:
        entry['skipped'] = skipped
    return entry


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def write(tmp_path, rows, *, check_mode=True, images=None, name='report.html'):
    path = tmp_path / name
    with PhotoReportHtml(str(path), check_mode=check_mode, source='/srv/photos', compare='perceptual') as report:
        for key, (declared, current) in (images or {}).items():
            report.add_images(key, declared=declared, current=current)
        written = report.write(list(enumerate(rows)), {}, files=make_writer())
    return path, written


@pytest.mark.parametrize('entry, verdict, check_word, real_word', [
    (result('users/a', action='none'), 'unchanged', 'unchanged', 'unchanged'),
    (result('users/a', action='set'), 'set', 'would set', 'set'),
    (result('users/a', action='remove', state='absent'), 'remove', 'would remove', 'removed'),
    (result('users/a', skipped=True, reason='outside scope'), 'skipped', 'skipped', 'skipped'),
    (result('users/a', action='set', error='Could not set the photo: HTTP 413.'), 'failed', 'failed', 'failed'),
])
def test_verdicts_in_check_mode_and_real_words(entry, verdict, check_word, real_word):
    assert verdict_of(entry) == verdict
    assert verdict_word(verdict, check_mode=True) == check_word
    assert verdict_word(verdict, check_mode=False) == real_word


def test_check_mode_and_real_run_say_which_they_are(tmp_path):
    rows = [result('users/a', action='set'), result('users/b', action='remove', state='absent')]
    check_page = write(tmp_path, rows, check_mode=True, name='check.html')[0].read_text()
    real_page = write(tmp_path, rows, check_mode=False, name='real.html')[0].read_text()
    assert '<h1>Profile photos audit (check mode: nothing was changed)</h1>' in check_page
    assert '<span class="verdict">would set</span></td>' in check_page and '>would remove</span></td>' in check_page
    assert '<h1>Profile photos sync</h1>' in real_page
    assert '<span class="verdict">set</span></td>' in real_page and '>removed</span></td>' in real_page
    assert 'would' not in real_page


def test_principals_file_names_and_reasons_are_escaped_everywhere(tmp_path):
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    src = str(tmp_path / ('%s\'q\'.jpg' % hostile.replace('/', '')))
    with open(src, 'wb') as handle:
        handle.write(detailed_photo(1))
    rows = [result('users/%s@contoso.com' % hostile, action='set', src=src, reason=hostile),
            result('users/x', error='Could not read %s & more.' % hostile, src=src)]
    path, dummy = write(tmp_path, rows, images={0: (detailed_photo(1), detailed_photo(2))})
    page = path.read_text()
    tags = tags_of(page)
    assert [tag for tag, dummy in tags].count('script') == 1, 'only the page script'
    assert not any('onerror' in attrs for dummy, attrs in tags)
    assert '<script>alert' not in page and 'src=x' not in [attrs.get('src') for dummy, attrs in tags]
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in page and '&amp; more.' in page
    alts = [attrs['alt'] for tag, attrs in tags if tag == 'img']
    assert 'Photo Graph holds for users/%s@contoso.com' % hostile in alts
    assert 'Declared photo for users/%s@contoso.com (%s)' % (hostile, os.path.basename(src)) in alts


def test_failed_and_skipped_items_get_a_row_with_what_is_known(tmp_path):
    (tmp_path / 'Alice Example.jpg').write_bytes(detailed_photo(3))
    rows = [result('users/Alice Example', error='the file name "Alice Example" is not a userPrincipalName.',
                   src=str(tmp_path / 'Alice Example.jpg')),
            result('users/out@contoso.com', skipped=True, reason='not in scope', before=None),
            result('users/gone@contoso.com', error='The photo %s does not exist; check the src path.' % (tmp_path / 'gone.jpg'),
                   src=str(tmp_path / 'gone.jpg'))]
    path, written = write(tmp_path, rows)
    page = path.read_text()
    body_rows = re.findall(r'<tr class="v-(\w+)">(.*?)</tr>', page)
    assert [verdict for verdict, dummy in body_rows] == ['failed', 'skipped', 'failed']
    # The file of an item that failed before it was read is still shown.
    assert 'alt="Declared photo for users/Alice Example (Alice Example.jpg)"' in body_rows[0][1]
    assert 'cannot be shown' in body_rows[2][1] and 'does not exist' in body_rows[2][1]
    assert 'id="show-skipped"' in page and written['rows'] == 3


def test_thumbnails_are_small_upright_and_the_page_stays_under_budget(tmp_path):
    rotated = Image.new('RGB', (120, 60), 'navy')
    exif = rotated.getexif()
    exif[0x0112] = 6  # shown rotated 90 degrees: 60 wide, 120 high
    buffer = io.BytesIO()
    rotated.save(buffer, 'JPEG', exif=exif)
    width, height, data = make_thumbnail(buffer.getvalue())
    assert (width, height) == (THUMBNAIL_SIDE // 2, THUMBNAIL_SIDE)
    assert base64.b64decode(data).startswith(b'\xff\xd8\xff')
    alpha = Image.new('RGBA', (100, 100), (255, 0, 0, 0))
    buffer = io.BytesIO()
    alpha.save(buffer, 'PNG')
    width, height, data = make_thumbnail(buffer.getvalue())
    centre = Image.open(io.BytesIO(base64.b64decode(data))).getpixel((width // 2, height // 2))
    assert all(channel >= 245 for channel in centre), 'transparency is shown on white'
    assert make_thumbnail(b'not an image') is None

    # A 10,000-item report must stay under 50 MB: measure rows with two busy 512 px photos each.
    photos = [detailed_photo(seed) for seed in range(8)]
    images = {index: (photos[index % 8], photos[(index + 3) % 8]) for index in range(200)}
    rows = [result('users/user%05d@contoso.com' % index, action='set', src='/srv/photos/user%05d@contoso.com.jpg' % index,
                   reason='the photo differs from src') for index in range(200)]
    path, written = write(tmp_path, rows, images=images)
    per_row = written['bytes'] / 200.0
    assert 10000 * per_row < 50 * 1024 * 1024, per_row
    assert per_row > 1500, 'both thumbnails are in the page'
    # A browser decodes only the thumbnails near what it shows: 50,000 rows hold 100,000 of them.
    thumbnails = [attrs for tag, attrs in tags_of(path.read_text()) if tag == 'img']
    assert len(thumbnails) == 400 and all(attrs.get('loading') == 'lazy' and attrs.get('decoding') == 'async' for attrs in thumbnails)


def test_the_page_loads_nothing_from_outside(tmp_path):
    path, dummy = write(tmp_path, [result('users/a', action='set')], images={0: (detailed_photo(4), None)})
    page = path.read_text()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert policy.startswith("default-src &#x27;none&#x27;; img-src data:;")
    for tag, attrs in tags_of(page):
        assert tag != 'link'
        for name in ('src', 'href'):
            value = attrs.get(name)
            assert value is None or value.startswith('data:image/jpeg;base64,'), (tag, attrs)


def test_report_path_problems_are_one_sentence_before_any_request(tmp_path):
    with pytest.raises(ReportPathError, match=r'^The directory of report .*/missing/r.html, .*/missing, does not exist; create it'):
        check_report_path(str(tmp_path / 'missing' / 'r.html'))
    with pytest.raises(ReportPathError, match=r'is a directory; give the path of an \.html file'):
        check_report_path(str(tmp_path))
    check_report_path(str(tmp_path / 'ok.html'))


def test_the_write_is_atomic_private_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / 'report.html'
    path.write_text('old report')
    path.chmod(0o644)
    files = make_writer()
    calls = []
    move = files.module.atomic_move

    def atomic_move(src, dest, *args, **kwargs):
        calls.append((src, dest))
        assert path.read_text() == 'old report', 'the old report stays whole until the new one is complete'
        return move(src, dest, *args, **kwargs)

    files.module.atomic_move = atomic_move
    with PhotoReportHtml(str(path), check_mode=False, source='s', compare='perceptual') as report:
        written = report.write([(0, result('users/a'))], {}, files=files)
    assert calls and os.path.dirname(calls[0][0]) == str(tmp_path), 'written next to the report, then renamed'
    assert written == dict(path=str(path), rows=1, bytes=path.stat().st_size)
    assert sorted(os.listdir(tmp_path)) == ['report.html']
    # Its thumbnails show people: readable by its owner only, whatever the file was before.
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_sync_hands_both_photos_to_on_images_while_they_are_in_hand(tmp_path):
    declared_bytes, graph_bytes = detailed_photo(5), detailed_photo(6)
    (tmp_path / 'a.jpg').write_bytes(declared_bytes)
    items = items_from_photos([{'user': 'a@contoso.com', 'src': str(tmp_path / 'a.jpg')},
                               {'user': 'b@contoso.com', 'src': str(tmp_path / 'a.jpg')},
                               {'group': 'g1', 'state': 'absent'}])

    def graph(entry):
        if entry['url'] == '/users/a@contoso.com/photo/$value':
            return inner(entry['id'], 200, graph_bytes)
        if entry['url'] == '/groups/g1/photo/$value':
            return inner(entry['id'], 403, graph_error_body('Authorization_RequestDenied'))
        return inner(entry['id'], 404, graph_error_body('ImageNotFound'))

    seen = {}
    sync = PhotoSync(FakeBatchClient(graph), check_mode=True)
    sync.on_images = lambda index, *, declared, current: seen.__setitem__(index, (declared, current))
    sync.run(items)
    # The declared photo the report shows is what would be uploaded: this noisy file is over 100 KB, so prepared.
    uploaded = load_source_image(str(tmp_path / 'a.jpg')).data
    assert len(declared_bytes) > 100 * 1024 and uploaded != declared_bytes
    assert seen == {0: (uploaded, graph_bytes), 1: (uploaded, None), 2: (None, None)}
