# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results and --diff output for a photo plan: facts only, never image bytes."""

from __future__ import annotations


def photo_facts_dict(facts):
    """The returned facts of a photo, or None when there is no photo."""
    return None if facts is None else facts.to_dict()


def photo_diff(plan, *, src: str | None) -> dict:
    """A diff whose sides are the facts before and after, with headers naming the principal and the file."""
    label = plan.target.label
    if plan.after is None:
        after_header = '%s (no photo)' % label
    elif plan.source is not None:
        after_header = '%s (photo %s %s)' % (label, 'prepared from' if getattr(plan.source, 'prepared', False) else 'from', src)
    elif plan.kept_existing:
        after_header = '%s (photo kept because force is false)' % label
    elif plan.kept_larger:
        after_header = '%s (photo differs from %s; %s)' % (label, src, plan.upgrade['reason'])
    else:
        after_header = '%s (photo, unchanged; matches %s)' % (label, src)
    if plan.upgrade is not None and plan.upgrade['upgraded']:
        after_header = '%s; %s)' % (after_header[:-1], plan.upgrade['reason'])
    diff = dict(
        before=photo_facts_dict(plan.before),
        after=photo_facts_dict(plan.after),
        before_header='%s (%s)' % (label, _current_words(plan)),
        after_header=after_header,
    )
    if plan.upgrade is not None:
        # Shown as it is by Ansible, also when before and after are equal (a photo kept): which photos are upgraded and
        # which are kept, and why.
        diff['prepared'] = 'replace_smaller_than: %s %s\n' % (label, plan.upgrade['reason'])
    return diff


def _current_words(plan) -> str:
    if plan.before is None:
        return 'no photo'
    compared_size = getattr(plan, 'compared_size', None)
    if compared_size == 'full':
        return 'current photo, compared in full'
    if compared_size:
        return 'current photo, compared at %s' % compared_size
    return 'current photo'
