"""Files attached to forum posts.

They are stored outside the public media folder (`PRIVATE_MEDIA_ROOT`), so no web server can
hand one out by guessing its path: the attachment view applies the post's permission rule first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy


class PrivateStorage(LazyObject):
    """File storage under PRIVATE_MEDIA_ROOT, read from settings when first used (tests move it)."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def _forget_private_storage(*, setting: str, **kwargs) -> None:
    """Tests (and anything else) that change PRIVATE_MEDIA_ROOT get storage in the new place."""
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage._wrapped = empty


setting_changed.connect(_forget_private_storage, dispatch_uid="communities-private-storage")


def get_private_storage() -> PrivateStorage:
    """The field's storage as a callable, so migrations record this name and not a path."""
    return private_storage


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AttachmentQuerySet:
        """Attachments of posts this person may read."""
        from communities.models.forum import Post

        return self.filter(post__in=Post.objects.visible_to(user))


def _upload_to(instance: Attachment, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    """A file on a post; its real type was checked when it was uploaded."""

    post = models.ForeignKey(
        "communities.Post", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_upload_to, storage=get_private_storage, max_length=300)
    name = models.CharField(max_length=200, help_text=gettext_lazy("The file's name as uploaded."))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def get_url(self) -> str:
        from django.urls import reverse

        return reverse("communities:attachment", kwargs={"pk": self.pk, "name": self.name})
