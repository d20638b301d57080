"""Communities of practice and who belongs to them.

A community is a Wagtail page (curators create and arrange them in the page tree), and its
forum lives under the page's URL. Who may read a community is decided by its visibility and the
reader's membership; `communities.permissions` turns that into the querysets every surface uses.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.search import index

from learning.models.base import BasePage, VisiblePageManager, VisiblePageQuerySet
from learning.models.pages import MARKDOWN_HELP, SectionPage, tabs


class CommunityIndexPage(SectionPage):
    """The list of communities of practice."""

    subpage_types = ["communities.CommunityPage"]

    class Meta:
        verbose_name = gettext_lazy("communities index")

    def get_context(self, request, *args, **kwargs) -> dict:
        from communities.permissions import community_summaries

        context = super().get_context(request, *args, **kwargs)
        context["communities"] = community_summaries(request.user)
        return context


class CommunityPageQuerySet(VisiblePageQuerySet):
    def readable_by(self, user) -> CommunityPageQuerySet:
        """Communities whose forum this person may read (see `communities.permissions`)."""
        from communities.permissions import readable_community_q

        return self.visible_to(user).filter(readable_community_q(user))


class CommunityPage(RoutablePageMixin, BasePage):
    """A community of practice: a forum, its members and facilitators."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", gettext_lazy("Programme leads and project managers")
        NATIONAL = "national", gettext_lazy("Issue-based national")
        REGIONAL = "regional", gettext_lazy("Regional")
        SENIOR = "senior", gettext_lazy("Senior leaders")
        POLITICIANS = "politicians", gettext_lazy("Politicians")

    class Visibility(models.TextChoices):
        PUBLIC = "public", gettext_lazy("Public: anyone reads, members post")
        MEMBERS = "members", gettext_lazy("Members: anyone signed in reads, members post")
        PRIVATE = "private", gettext_lazy("Private: only its members read")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", gettext_lazy("Open: anyone signed in can join")
        REQUEST = "request", gettext_lazy("Request: a facilitator approves each request")
        INVITE = "invite", gettext_lazy("Invitation only")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NATIONAL)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    description = models.TextField(
        blank=True,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "What the community is for and who should join. Shown to everyone, even when "
                "the community is private."
            ),
            MARKDOWN_HELP,
        ),
    )
    themes = ParentalManyToManyField("learning.Theme", blank=True, related_name="communities")
    regions = ParentalManyToManyField("learning.Region", blank=True, related_name="communities")

    objects = VisiblePageManager.from_queryset(CommunityPageQuerySet)()

    parent_page_types = ["communities.CommunityIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("visibility"), FieldPanel("join_policy")],
            heading=gettext_lazy("Who can read and join"),
        ),
        MultiFieldPanel(
            [FieldPanel("themes"), FieldPanel("regions")], heading=gettext_lazy("Classification")
        ),
    ]
    edit_handler = tabs((gettext_lazy("Content"), content_panels))
    search_fields = BasePage.search_fields + [index.SearchField("description")]

    class Meta:
        verbose_name = gettext_lazy("community")
        verbose_name_plural = gettext_lazy("communities")

    # Forum URLs, under the community's own URL. The views are in communities.views.forum.

    @path("")
    def home(self, request):
        from communities.views import forum

        return forum.community_home(request, self)

    @path("threads/new/", name="new_thread")
    def new_thread(self, request):
        from communities.views import forum

        return forum.new_thread(request, self)

    @path("threads/<int:thread_id>/reply/", name="reply")
    def reply(self, request, thread_id):
        from communities.views import forum

        return forum.reply_to_thread(request, self, thread_id)

    @path("threads/<int:thread_id>/moderate/", name="moderate_thread")
    def moderate_thread(self, request, thread_id):
        from communities.views import forum

        return forum.moderate_thread(request, self, thread_id)

    @path("threads/<int:thread_id>/", name="thread_short")
    @re_path(r"^threads/(?P<thread_id>\d+)/(?P<slug>[-\w]+)/$", name="thread")
    def thread(self, request, thread_id, slug=""):
        from communities.views import forum

        return forum.thread_detail(request, self, int(thread_id), slug)

    @path("posts/<int:post_id>/<str:action>/", name="post_action")
    def post_action(self, request, post_id, action):
        from communities.views import forum

        views = {
            "edit": forum.edit_post,
            "delete": forum.delete_post,
            "history": forum.post_history,
            "flag": forum.flag_post,
            "helpful": forum.helpful,
            "answer": forum.answer,
            "moderate": forum.moderate_post,
        }
        if action not in views:
            raise Http404("No such action")
        return views[action](request, self, post_id)

    @path("moderation/", name="moderation")
    def moderation(self, request):
        from communities.views import forum

        return forum.moderation_queue(request, self)

    @path("members/", name="members")
    def members(self, request):
        from communities.views import forum

        return forum.members(request, self)

    @path("members/<int:membership_id>/", name="manage_member")
    def manage_member(self, request, membership_id):
        from communities.views import forum

        return forum.manage_member(request, self, membership_id)

    @path("members/invite/", name="invite")
    def invite(self, request):
        from communities.views import forum

        return forum.invite(request, self)

    @path("join/", name="join")
    def join(self, request):
        from communities.views import forum

        return forum.join(request, self)

    @path("leave/", name="leave")
    def leave(self, request):
        from communities.views import forum

        return forum.leave(request, self)

    @path("feed/rss/", name="feed_rss")
    def feed_rss(self, request):
        from communities.views import forum

        return forum.CommunityFeed()(request, community=self)

    @path("feed/atom/", name="feed_atom")
    def feed_atom(self, request):
        from communities.views import forum

        return forum.CommunityAtomFeed()(request, community=self)

    def facilitators(self):
        return (
            Membership.objects.filter(
                community=self, role=Membership.Role.FACILITATOR, status=Membership.Status.ACTIVE
            )
            .select_related("user", "user__profile")
            .order_by("user__username")
        )


class Membership(models.Model):
    """A person's place in a community: a member or facilitator, or waiting for approval."""

    class Role(models.TextChoices):
        MEMBER = "member", gettext_lazy("Member")
        FACILITATOR = "facilitator", gettext_lazy("Facilitator")

    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Member")
        REQUESTED = "requested", gettext_lazy("Waiting for approval")

    community = models.ForeignKey(
        CommunityPage, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    message = models.TextField(
        blank=True,
        max_length=1000,
        help_text=gettext_lazy("Why they asked to join (for requests)."),
    )
    created = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_each")
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.get_role_display()})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.COMMUNITY_INVITATION_DAYS)


class Invitation(models.Model):
    """A single-use, expiring link that lets one person join an invitation-only community."""

    community = models.ForeignKey(
        CommunityPage, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(default=_invitation_expiry)
    accepted = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"Invitation to {self.community} for {self.email}"

    @property
    def usable(self) -> bool:
        return self.accepted is None and self.expires > timezone.now()
