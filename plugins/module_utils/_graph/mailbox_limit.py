# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Outlook's limit of 4 concurrent requests per app and mailbox, kept on our side of the wire.

Photo calls count against the mailbox of the principal: a user's own, a group's (a team's photo is its group's),
or, for a contact, the mailbox of the user who owns it. Going over the limit only earns 429s and Retry-After
waits, so requests take a slot here before they are sent, in a batch or alone, from any thread.
"""

from __future__ import annotations

import threading

MAX_CONCURRENT_PER_MAILBOX = 4


def mailbox_of(path: str) -> str:
    """The mailbox a request path touches: 'users/<id>', 'groups/<id>' or 'me'; teams count as their group."""
    segments = [segment for segment in path.split('/') if segment]
    if not segments:
        return ''
    if segments[0] == 'me' or len(segments) < 2:
        return segments[0]
    kind = 'groups' if segments[0] == 'teams' else segments[0]
    # UPNs are case-insensitive: Alice@ and alice@ are one mailbox.
    return '%s/%s' % (kind, segments[1].lower())


class MailboxSlots:
    """At most `limit` requests in flight per mailbox, across every thread and batch of one module run."""

    def __init__(self, limit: int = MAX_CONCURRENT_PER_MAILBOX):
        if limit < 1:
            raise ValueError('The per-mailbox limit must be at least 1.')
        self.limit = limit
        self._in_flight = {}
        self._changed = threading.Condition()
        self.peak = 0  # the most requests ever in flight for one mailbox (asserted by tests)

    def take(self, mailboxes: list) -> list:
        """Take a slot for as many of mailboxes (in order) as are free; return the positions that got one.

        Never waits, so a caller holding slots never blocks on others (no deadlock between batches).
        """
        granted = []
        with self._changed:
            for position, mailbox in enumerate(mailboxes):
                count = self._in_flight.get(mailbox, 0)
                if count < self.limit:
                    self._in_flight[mailbox] = count + 1
                    self.peak = max(self.peak, count + 1)
                    granted.append(position)
        return granted

    def release(self, mailboxes: list) -> None:
        with self._changed:
            for mailbox in mailboxes:
                count = self._in_flight.get(mailbox, 0) - 1
                if count > 0:
                    self._in_flight[mailbox] = count
                else:
                    self._in_flight.pop(mailbox, None)
            self._changed.notify_all()

    def wait_for_release(self, timeout: float) -> None:
        """Block until some slot is released (or timeout seconds pass)."""
        with self._changed:
            self._changed.wait(timeout)

    def in_flight(self, mailbox: str) -> int:
        with self._changed:
            return self._in_flight.get(mailbox, 0)
