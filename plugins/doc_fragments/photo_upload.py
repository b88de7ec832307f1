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
        648 pixels, more than 100 KB, a format other than JPEG or PNG, O(crop=square) on a picture that is not
        square, or O(crop=face) on a picture whose framed square is not the whole picture or in which no face is found.
        Other files are sent as they are. Files up to 50 MB are accepted.
      - V(always) prepares every file.
      - V(never) sends the file's bytes as they are, for services that keep bytes (with O(compare=sha256)). A file over
        4 MB (Graph's limit) then fails before any request.
      - The compare is made with what would be uploaded, and the result's C(upload) says whether it was prepared and
        why (C(reasons), among C(format_gif), C(format_bmp), C(exif_orientation), C(transparency), C(crop_square),
        C(crop_face), C(no_face_found), C(larger_than_648px), C(over_100KB), and C(prepare_always) when V(always) found
        no other reason).
      - The same file always gives the same prepared bytes.
    type: str
    default: auto
    choices: [auto, always, never]
    version_added: 0.2.0
  crop:
    description:
      - V(square) sets the centred square of the picture (the middle of its longer side); V(none) sets the whole
        picture.
      - V(face) (since 1.0.0) sets the square framed around the largest face of the picture, as avatars are framed -
        2.2 face widths wide (head and shoulders, the face about 45% of the side), the face's centre at 42% of the side
        from the top (room above the hair, the eyes a little above the middle), moved to stay inside the picture,
        and the shorter side of the picture when it has less room than that around the face. A picture in which no
        face is found gets the centred square, and C(no_face_found) among C(upload.reasons) in the results, so that an
        audit lists the photos to look at. See
        R(Photos framed on the face, ansible_collections.graphops.msgraph.docsite.face_crop) for pictures and the framing.
      - V(face) needs the Python library C(opencv-python-headless) 4.x where the module runs (OpenCV 4, whose wheel
        ships the face detector, a Haar cascade; OpenCV 5 does not); without it the task fails before any request,
        naming it. It finds frontal faces; the same file always gives the same square.
      - V(square) and V(face) need a prepared photo, so they fail with O(prepare=never).
    type: str
    default: none
    choices: [none, square, face]
    version_added: 0.2.0
  force:
    description:
      - V(true) replaces the photo when it differs from the file.
      - V(false) sets a photo only when the principal has none, and never replaces an existing photo (for example a
        photo that users chose themselves, or a default or placeholder photo). The existing photo is not compared.
    type: bool
    default: true
    version_added: 0.2.0
  replace_smaller_than:
    description:
      - Replace an existing photo that differs from the file only when its largest side is smaller than this many
        pixels, such as V(200) to upgrade the 96x96 thumbnails that on-premises Active Directory (C(thumbnailPhoto))
        gives, and keep the larger photos that people chose themselves. A photo at or above it, or whose size Graph
        does not give, is kept, and the result says so and why (C(upgrade)). Principals without a photo get one,
        as without this option.
      - The size is that of the photo Graph holds (C(…/photo), the largest size it keeps), read only for a photo that
        differs from the file - at most one metadata read each, none when it was downloaded in full.
      - Needs O(force=true), the default; with O(force=false) the task fails before any request.
    type: int
    version_added: 1.0.0
'''
