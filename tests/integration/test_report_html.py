# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report of graph_profile_photo_sync, written by real ansible-playbook in check mode against the emulator
and rendered by a real browser (headless Chromium): every item has its row and its images decode, the filter hides
and shows rows, nothing is loaded from outside the file, and the page is not blank in light or dark mode."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

from browser import dump_dom, image_stats, screenshot
from conftest import ALICE, BOB, CAROL, CONTACT, MARKETING, PHOTOS

MODULE = 'graphops.msgraph.graph_profile_photo_sync'
NOBODY = 'nobody@contoso.com'
# A file name a careless report would turn into markup.
# (No "/" in a file name: an unclosed <script> would swallow the rest of the page just as well.)
HOSTILE_NAME = 'x"><script>document.title="pwned";<img src=x onerror=alert(1)> \'q\'.jpg'


class ReportParser(HTMLParser):
    """Every tag with its attributes, and the rows of the table."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(page: str) -> list:
    parser = ReportParser()
    parser.feed(page)
    return parser.tags


def rows_of(dom: str) -> list:
    """(class, data-shown, principal) of each body row in a dumped DOM."""
    rows = []
    for match in re.finditer(r'<tr class="v-(\w+)"([^>]*)><th scope="row">(.*?)</th>', dom):
        shown = re.search(r'data-shown="(\w+)"', match.group(2))
        rows.append((match.group(1), shown.group(1) if shown else None, match.group(3)))
    return rows


def mixed_check_run(playbook, admin, tmp_path):
    admin.put_photo('users/%s' % BOB, (PHOTOS / 'cat.jpg').read_bytes())
    admin.put_photo('users/%s' % CAROL, (PHOTOS / 'coffee.jpg').read_bytes())
    hostile = tmp_path / HOSTILE_NAME
    shutil.copy(PHOTOS / 'rocket.jpg', hostile)
    report = tmp_path / 'out' / 'audit.html'
    report.parent.mkdir()
    admin.clear_log()
    run = playbook.run([{'name': 'audit', MODULE: {'report': str(report), 'photos': [
        {'user': ALICE, 'src': str(PHOTOS / 'astronaut.jpg')},          # no photo yet: would set
        {'user': BOB, 'src': str(PHOTOS / 'cat.jpg')},                  # Graph's rewrite of the same picture: unchanged
        {'user': CAROL, 'src': str(hostile)},                           # another picture: would set
        {'group': MARKETING, 'state': 'absent'},                        # has a photo: would remove
        {'user': NOBODY, 'src': str(PHOTOS / 'camera.jpg')},            # no such user: failed
        {'user': ALICE, 'contact': CONTACT, 'state': 'absent'},         # Graph cannot delete it: failed
    ]}}], check=True)
    return run, report


def test_check_mode_report_renders_every_item_with_decoded_photos_and_a_working_filter(playbook, admin, tmp_path):
    run, report = mixed_check_run(playbook, admin, tmp_path)
    assert run.rc != 0, 'two items fail, so the task fails, after writing the report'
    result = run.result()
    assert admin.writes() == [], 'check mode sent a write'
    assert result['report']['path'] == str(report)
    assert result['report']['rows'] == 6
    assert result['report']['bytes'] == report.stat().st_size
    # The images are in the file only: the task result (an AWX job event) holds no image bytes.
    assert 'base64' not in json.dumps(result) and len(json.dumps(result)) < 20000

    page = report.read_text(encoding='utf-8')
    tags = parse(page)
    # Self-contained: no external script, style, font or image; nothing with an http(s) or protocol-relative URL.
    for tag, attrs in tags:
        for name in ('src', 'href', 'srcset', 'action', 'data', 'poster'):
            assert not re.match(r'\s*(https?:)?//', attrs.get(name) or ''), (tag, attrs)
        assert tag != 'link' and not (tag == 'script' and 'src' in attrs), (tag, attrs)
    images = [attrs for tag, attrs in tags if tag == 'img']
    assert images and all(attrs['src'].startswith('data:image/jpeg;base64,') for attrs in images)
    # The hostile file name is text, never markup: one script element (the page's own) and no onerror attribute.
    assert [tag for tag, dummy in tags].count('script') == 1
    assert not any('onerror' in attrs for dummy, attrs in tags)
    assert 'x&quot;&gt;&lt;script&gt;document.title=&quot;pwned&quot;;&lt;img src=x onerror=alert(1)&gt; &#x27;q&#x27;.jpg' in page
    # Alt text names the principal.
    alts = [attrs['alt'] for attrs in images]
    assert 'Photo Graph holds for users/%s' % BOB in alts
    assert 'Declared photo for users/%s (astronaut.jpg)' % ALICE in alts
    assert any(alt.startswith('Declared photo for users/%s (x"><script>' % CAROL) for alt in alts)

    profile = tmp_path / 'chromium-profile'
    dom = dump_dom(report, profile=profile)
    assert 'data-ready="yes"' in dom, 'the page script did not run'
    assert '<title>Profile photos audit (check mode: nothing was changed)</title>' in dom, 'the file name ran as script'
    rows = rows_of(dom)
    assert [(verdict, principal) for verdict, dummy, principal in rows] == [
        ('set', 'users/%s' % ALICE), ('unchanged', 'users/%s' % BOB), ('set', 'users/%s' % CAROL),
        ('remove', 'groups/%s' % MARKETING), ('failed', 'users/%s' % NOBODY),
        ('failed', 'users/%s/contacts/%s' % (ALICE, CONTACT))]
    assert all(shown == 'yes' for dummy, shown, dummy in rows)
    assert 'Showing 6 of 6 items.' in dom
    # Every thumbnail decoded in the browser (naturalWidth > 0): Bob's and Carol's photo in Graph, Marketing's, and
    # the declared photos of Alice, Bob, Carol and the unknown user.
    decoded = re.findall(r'<img [^>]*data-decoded="(\w+)"', dom)
    assert decoded.count('yes') == 7 and 'no' not in decoded, decoded
    assert re.search(r'<tr class="v-set"[^>]*><th scope="row">users/%s</th><td[^>]*><span class="nophoto">no photo' % ALICE, dom)
    # Verdicts in check-mode words, and the reason of each failure.
    assert dom.count('<span class="verdict">would set</span>') == 2 + 1  # two rows and the totals
    assert 'was not found' in dom and 'cannot delete the photo' in dom

    # The filter, chosen through the URL fragment as a link to a filtered view would: hides, then shows rows.
    failed_only = rows_of(dump_dom(report, 'failed', profile=profile))
    assert [(verdict, shown) for verdict, shown, dummy in failed_only] == [
        ('set', 'no'), ('unchanged', 'no'), ('set', 'no'), ('remove', 'no'), ('failed', 'yes'), ('failed', 'yes')]
    set_only = dump_dom(report, 'set', profile=profile)
    assert [principal for dummy, shown, principal in rows_of(set_only) if shown == 'yes'] == ['users/%s' % ALICE, 'users/%s' % CAROL]
    assert 'Showing 2 of 6 items.' in set_only
    assert all(shown == 'yes' for dummy, shown, dummy in rows_of(dump_dom(report, 'all', profile=profile)))

    # Screenshots at desktop and phone width, light and dark: not blank, and dark really is dark.
    shots = {}
    for name, width, height, dark in (('light', 1100, 700, False), ('dark', 1100, 700, True), ('phone', 390, 844, False)):
        png = screenshot(report, tmp_path / ('report-%s.png' % name), profile=profile, width=width, height=height, dark=dark)
        colours, mean, stddev = shots[name] = image_stats(png)
        assert colours > 50 and stddev > 10, (name, colours, stddev)
    assert shots['light'][1] > 180 > 80 > shots['dark'][1], shots


def test_a_report_in_a_missing_directory_fails_before_any_request(playbook, admin, tmp_path):
    report = tmp_path / 'no-such-dir' / 'audit.html'
    admin.clear_log()
    run = playbook.run([{'name': 'audit', MODULE: {'report': str(report), 'photos': [
        {'user': ALICE, 'src': str(PHOTOS / 'astronaut.jpg')}]}}], check=True)
    assert run.rc != 0
    assert run.result()['msg'] == ('The directory of report %s, %s, does not exist; create it first or choose another path.'
                                   % (report, report.parent))
    assert admin.log() == [], 'the task sent a request before failing'
    assert 'Traceback' not in run.output
