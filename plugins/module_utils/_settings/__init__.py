# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tenant's photo update settings (graph_photo_update_settings): read, compare, write.

Private to this collection: other collections must not import it."""
