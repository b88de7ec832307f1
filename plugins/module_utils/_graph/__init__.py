# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph client: session and retrying transport, retry policy, $batch protocol and runner, per-mailbox limit, errors (the one error root), clouds.

Private to this collection: other collections must not import it."""
