"""Serving files attached to forum posts.

Attachments live in private storage, outside anything a web server hands out, so this view is
the only way to reach one, and it asks the site's one permission rule first
(`Attachment.objects.visible_to`). Anything a person may not read answers 404, exactly like
something that does not exist, so a private community's files do not even leak their existence.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from communities.models import Attachment
from communities.models.attachments import private_storage

logger = logging.getLogger(__name__)

# Images a browser can show in the page; everything else is downloaded, never rendered by us.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


@require_safe
def download(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """Stream one attachment to someone who may read its post.

    The name in the URL must match too: links carry it so downloads get a readable file name,
    and an old or made-up name should not quietly reach a file.
    """
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    if attachment.name != name:
        raise Http404("No such attachment.")
    try:
        handle = private_storage.open(attachment.file.name, "rb")
    except (OSError, ValueError):  # gone, unreadable, or never saved
        logger.warning(
            "Attachment %s (%r) is missing from private storage: %s",
            attachment.pk,
            attachment.name,
            attachment.file.name,
        )
        raise Http404("No such attachment.") from None

    content_type = attachment.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"  # checked as UTF-8 when it was uploaded
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=attachment.content_type not in INLINE_TYPES,
        filename=attachment.name,
    )
    # The type was proven on upload; the browser must not second-guess it into HTML.
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a file is opened in the browser, it may not run anything or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    # Only this person's browser may keep a copy, and must ask again before reusing it, so a
    # shared cache never serves a private file and lost access takes effect at once.
    patch_cache_control(response, private=True, max_age=0, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response
