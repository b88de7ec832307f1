# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The edge every module goes through: GraphModule (shared options, the client, diff mode, errors to fail_json).

Private to this collection: other collections must not import it."""
