# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bulk sync (graph_profile_photo_sync): items, scope and directory users, shards, compute pool, runner, bulk writer, HTML report.

Private to this collection: other collections must not import it."""
