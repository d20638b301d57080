"""Forum threads and posts, and the records moderation keeps about them.

Posts are Markdown, rendered through `learning.markdown` (sanitised) whenever they are shown.
Nothing a member writes is ever destroyed by the forum itself: an edit keeps the old text as a
revision, a delete is soft (the post says it was deleted), and hiding is reversible. Every
moderation action is logged with who, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase

from communities.models.community import CommunityPage

TITLE_MAX = 200
BODY_MAX = 20_000


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user) -> ThreadQuerySet:
        """Threads this person may read: the one rule, in `communities.permissions`."""
        from communities.permissions import visible_threads

        return visible_threads(self, user)


class ThreadTag(TaggedItemBase):
    content_object = ParentalKey("communities.Thread", related_name="tagged_items")


class Thread(ClusterableModel):
    """A conversation in one community, opened by its first post."""

    community = models.ForeignKey(CommunityPage, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=TITLE_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads"
    )
    theme = models.ForeignKey(
        "learning.Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    tags = ClusterTaggableManager(through=ThreadTag, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_activity = models.DateTimeField(default=timezone.now, db_index=True)
    reply_count = models.PositiveIntegerField(default=0)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    answer = models.ForeignKey(
        "communities.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["community", "-pinned", "-last_activity"])]

    def __str__(self) -> str:
        return self.title

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "thread"

    def get_url(self) -> str:
        return self.community.url + self.community.reverse_subpage(
            "thread", kwargs={"thread_id": self.pk, "slug": self.slug}
        )

    get_absolute_url = get_url

    def first_post(self) -> Post | None:
        return self.posts.order_by("created", "pk").first()


class PostQuerySet(models.QuerySet):
    def visible_to(self, user) -> PostQuerySet:
        """Posts this person may read: the one rule, in `communities.permissions`."""
        from communities.permissions import visible_posts

        return visible_posts(self, user)


class Post(models.Model):
    """One message in a thread, in Markdown."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    body = models.TextField(max_length=BODY_MAX)
    quoting = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="quoted_by"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    edited = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    helpful_count = models.PositiveIntegerField(default=0)
    # The random key the form carried (one per form shown): a form sent twice (a retry after a
    # lost answer, a reload, a double click) finds the post it already made instead of making
    # a second one. Unique per author; empty for posts made another way (imports, the admin).
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["thread", "created"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="one_post_per_submission",
            )
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread}"

    def get_url(self) -> str:
        return f"{self.thread.get_url()}#post-{self.pk}"

    get_absolute_url = get_url


class PostRevision(models.Model):
    """The text a post had before an edit (facilitators can read the history)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]


class Mention(models.Model):
    """A member @mentioned in a post; the notifications work sends these."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    created = models.DateTimeField(default=timezone.now)
    notified = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_mention_each")]


class HelpfulMark(models.Model):
    """One member saying a post helped them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_helpful_each")]


class Flag(models.Model):
    """Someone asking facilitators to look at a post, with a reason."""

    class Reason(models.TextChoices):
        SPAM = "spam", gettext_lazy("Spam or advertising")
        ABUSE = "abuse", gettext_lazy("Abusive or offensive")
        PERSONAL = "personal", gettext_lazy("Shares personal or confidential information")
        OFF_TOPIC = "off-topic", gettext_lazy("Off topic")
        OTHER = "other", gettext_lazy("Something else")

    class Outcome(models.TextChoices):
        OPEN = "open", gettext_lazy("Waiting")
        HIDDEN = "hidden", gettext_lazy("Post hidden")
        DISMISSED = "dismissed", gettext_lazy("Dismissed")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.TextField(blank=True, max_length=1000)
    created = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagged_by"],
                condition=models.Q(outcome="open"),
                name="one_open_flag_each",
            )
        ]


class ModerationAction(models.Model):
    """The log: every moderation action, with who, when and why."""

    class Action(models.TextChoices):
        PIN = "pin", gettext_lazy("Pinned thread")
        UNPIN = "unpin", gettext_lazy("Unpinned thread")
        LOCK = "lock", gettext_lazy("Locked thread")
        UNLOCK = "unlock", gettext_lazy("Unlocked thread")
        HIDE_THREAD = "hide-thread", gettext_lazy("Hid thread")
        SHOW_THREAD = "show-thread", gettext_lazy("Showed thread")
        MOVE_THREAD = "move-thread", gettext_lazy("Moved thread")
        HIDE_POST = "hide-post", gettext_lazy("Hid post")
        SHOW_POST = "show-post", gettext_lazy("Showed post")
        DISMISS_FLAG = "dismiss-flag", gettext_lazy("Dismissed flags")
        APPROVE = "approve", gettext_lazy("Approved join request")
        DECLINE = "decline", gettext_lazy("Declined join request")
        REMOVE_MEMBER = "remove-member", gettext_lazy("Removed member")
        PROMOTE = "promote", gettext_lazy("Made facilitator")
        DEMOTE = "demote", gettext_lazy("Made member again")
        # Translators: a moderation log entry: a facilitator invited someone to the community.
        INVITE = "invite", gettext_lazy("Invited")
        MARK_ANSWER = "answer", gettext_lazy("Marked answer")

    community = models.ForeignKey(
        CommunityPage, on_delete=models.CASCADE, related_name="moderation_log"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=1000)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
