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
    else:
        after_header = '%s (photo, unchanged; matches %s)' % (label, src)
    return dict(
        before=photo_facts_dict(plan.before),
        after=photo_facts_dict(plan.after),
        before_header='%s (%s)' % (label, 'current photo' if plan.before is not None else 'no photo'),
        after_header=after_header,
    )
