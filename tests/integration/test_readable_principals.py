# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guests of the demo tenant (frank_fabrikam.com#EXT#@contoso.com) are named as Graph names them wherever a person
reads the name: results, --diff headers, messages, the HTML report and the role's CSV, Markdown, summary and failure
list. Their URL form (%23EXT%23) is only sent to Graph."""

from __future__ import annotations

import csv
import re
import shutil

from conftest import PHOTOS

FRANK = 'frank_fabrikam.com#EXT#@contoso.com'      # a guest without a photo (seeds/demo.yml)
NOBODY = 'nobody_fabrikam.com#EXT#@contoso.com'    # a guest the tenant does not have
URL_FORM = '%23EXT%23'


def test_the_single_principal_modules_name_a_guest_as_graph_does(playbook, admin):
    admin.clear_log()
    run = playbook.run([
        {'name': 'info', 'graphops.msgraph.graph_profile_photo_info': {'user': FRANK}},
        {'name': 'set', 'graphops.msgraph.graph_profile_photo': {'user': FRANK, 'src': str(PHOTOS / 'cat.jpg')}},
        {'name': 'unknown guest', 'graphops.msgraph.graph_profile_photo': {'user': NOBODY, 'src': str(PHOTOS / 'cat.jpg')},
         'ignore_errors': True},
    ], check=True, diff=True)
    assert run.rc == 0, run.output
    info, photo, unknown = (entry['result'] for entry in run.results)
    assert info['principal'] == 'users/%s' % FRANK and info['exists'] is False
    assert photo['principal'] == 'users/%s' % FRANK and photo['changed'] is True
    assert photo['diff']['before_header'] == 'users/%s (no photo)' % FRANK
    assert photo['diff']['after_header'] == 'users/%s (photo from %s)' % (FRANK, PHOTOS / 'cat.jpg')
    assert '+++ after: users/%s (photo from ' % FRANK in run.stdout
    assert unknown['msg'].startswith('Could not read the photo of users/%s: HTTP 404' % NOBODY), unknown['msg']
    assert URL_FORM not in run.output + repr(run.results)
    # The requests named the guest in its URL form (the emulator decodes paths, as Graph does) and wrote nothing.
    assert 'users/6c3d8f5e-9a7c-4d3b-9e6a-3c4d5e6f7a28' in [entry['principal'] for entry in admin.log()]
    assert admin.writes() == []


def test_the_role_names_guests_as_graph_does_in_every_report(playbook, admin, tmp_path):
    photos = tmp_path / 'photos'
    photos.mkdir()
    shutil.copy(PHOTOS / 'cat.jpg', photos / ('%s.jpg' % FRANK))
    shutil.copy(PHOTOS / 'rocket.jpg', photos / ('%s.jpg' % NOBODY))
    reports, html_report = tmp_path / 'reports', tmp_path / 'audit.html'
    run = playbook.run([{'name': 'profile photos', 'ansible.builtin.include_role': {'name': 'graphops.msgraph.profile_photos'},
                         'vars': {'profile_photos_src_dir': str(photos), 'profile_photos_report_dir': str(reports),
                                  'profile_photos_report_html': str(html_report)}}],
                       check=True, diff=True)
    assert run.rc != 0, 'the unknown guest is a failed item, and the role fails after its reports'
    assert admin.writes() == []

    with open(reports / 'profile-photos-audit.csv', newline='', encoding='utf-8') as handle:
        rows = list(csv.DictReader(handle))
    assert [(row['principal'], row['would_change']) for row in rows] == [
        ('users/%s' % FRANK, 'yes'), ('users/%s' % NOBODY, 'failed')]
    markdown = (reports / 'profile-photos-audit.md').read_text()
    assert '| users/%s | present | yes | no photo yet | no |' % FRANK in markdown
    page = html_report.read_text(encoding='utf-8')
    assert re.findall(r'<th scope="row">([^<]+)</th>', page) == ['users/%s' % FRANK, 'users/%s' % NOBODY]
    # The summary's failure list, the diff header and the role's failure message.
    assert 'FAILED users/%s: Could not read the photo of users/%s: HTTP 404' % (NOBODY, NOBODY) in run.stdout
    assert '+++ after: users/%s (photo from %s/%s.jpg)' % (FRANK, photos, FRANK) in run.stdout
    failed = [entry['result'] for entry in run.results if entry['status'] == 'failed'][-1]
    assert 'users/%s: Could not read the photo of users/%s' % (NOBODY, NOBODY) in failed['msg']
    assert URL_FORM not in run.output + markdown + page + (reports / 'profile-photos-audit.csv').read_text()
