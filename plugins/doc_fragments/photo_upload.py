# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What is uploaded for a photo, and whether an existing photo is replaced (spec in module_utils/_photo/upload_options.py)."""

    DOCUMENTATION = r'''
options:
  prepare:
    description:
      - What is uploaded for a photo file. Graph rewrites every upload, and public sources leave open how (crop to a
        square or keep the aspect, apply or ignore the EXIF orientation, flatten transparency onto white or black). A
        prepared photo leaves Graph nothing to decide - the EXIF orientation applied to the pixels, transparency
        composited onto white, O(crop) applied, fitted within 648x648 pixels (never upscaled), a baseline JPEG without
        metadata, its quality lowered from 90 (and then its size) until it is at most 100 KB, so that it also fits
        users without an Exchange mailbox, whose photo is kept in Entra ID.
      - V(auto) prepares only a file that needs it - an EXIF orientation other than 1, any transparency, a side over
        648 pixels, more than 100 KB, a format other than JPEG or PNG, or O(crop=square) on a picture that is not
        square. Other files are sent as they are. Files up to 50 MB are accepted.
      - V(always) prepares every file.
      - V(never) sends the file's bytes as they are, for services that keep bytes (with O(compare=sha256)). A file over
        4 MB (Graph's limit) then fails before any request.
      - The compare is made with what would be uploaded, and the result's C(upload) says whether it was prepared and
        why (C(reasons), among C(format_gif), C(format_bmp), C(exif_orientation), C(transparency), C(crop_square),
        C(larger_than_648px), C(over_100KB), and C(prepare_always) when V(always) found no other reason).
      - The same file always gives the same prepared bytes.
    type: str
    default: auto
    choices: [auto, always, never]
    version_added: 0.2.0
  crop:
    description:
      - V(square) sets the centred square of the picture (the middle of its longer side); V(none) sets the whole
        picture.
      - V(square) needs a prepared photo, so it fails with O(prepare=never).
    type: str
    default: none
    choices: [none, square]
    version_added: 0.2.0
  force:
    description:
      - V(true) replaces the photo when it differs from the file.
      - V(false) sets a photo only when the principal has none, and never replaces an existing photo (for example a
        photo that users chose themselves, or a default or placeholder photo). The existing photo is not compared.
    type: bool
    default: true
    version_added: 0.2.0
'''
