"""The Wagtail admin's image upload form, refusing broken images with a message, not an error.

Wagtail 8.0 reads an uploaded image's size with Pillow and lets anything but a decompression
bomb escape: a file with a JPEG header followed by something else ("Truncated File Read") is a
server error in the editor's face instead of "not a valid image" (wagtail/wagtail#1354, open
since 2015). `CheckedImageForm` is Wagtail's own form with that one check made to say so.

Used through `WAGTAILIMAGES_IMAGE_FORM_BASE = "learning.image_forms.CheckedImageForm"`; Wagtail
builds the add, edit and multiple-upload forms on it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class CheckedImageField(WagtailImageField):
    """Wagtail's image field, where an image Pillow cannot read is a validation error."""

    def check_image_pixel_size(self, f: Any) -> None:
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except (OSError, SyntaxError, ValueError, IndexError) as error:
            # What Pillow raises for truncated or malformed image data.
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from (
                error
            )


class CheckedImageForm(BaseImageForm):
    """Wagtail's image form with `CheckedImageField` for the file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if type(field) is WagtailImageField:
            # Same field, same settings and widget; only the one check above differs.
            field.__class__ = CheckedImageField
