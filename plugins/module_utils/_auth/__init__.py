# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Getting a token: the auth methods (MSAL and the others), client certificates, the shared auth options.

Private to this collection: other collections must not import it."""
