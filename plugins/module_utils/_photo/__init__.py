# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One principal's photo: targets, facts, compare, prepare, the source image, plan and writer, diff, Graph's errors explained, info.

Private to this collection: other collections must not import it."""
