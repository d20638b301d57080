"""What a member tells others about themselves, and who may see it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy


def signup_language() -> str:
    """A new profile's language: the one its member was using when they signed up."""
    from cop_site.i18n import active_language

    return active_language()


class ProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProfileQuerySet:
        """Profiles this person may see: public ones, members' ones when signed in, their own."""
        if user is not None and user.is_authenticated:
            if user.is_superuser:
                return self.all()
            return self.filter(
                Q(visibility__in=[Profile.Visibility.PUBLIC, Profile.Visibility.MEMBERS])
                | Q(user=user)
            )
        return self.filter(visibility=Profile.Visibility.PUBLIC)


class Profile(models.Model):
    """A member's profile. Every field is optional; `visibility` says who may see it."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", gettext_lazy("Anyone, including people who are not signed in")
        MEMBERS = "members", gettext_lazy("Only people signed in to the exchange")
        HIDDEN = "hidden", gettext_lazy("Nobody: only my name on my posts")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(
        max_length=100, blank=True, help_text=gettext_lazy("How your name appears on posts.")
    )
    job_title = models.CharField(max_length=120, blank=True)
    organisation = models.ForeignKey(
        "learning.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(
        "learning.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    themes = models.ManyToManyField("learning.Theme", blank=True, related_name="+")
    projects = models.ManyToManyField(
        "projects.HighImpactProjectPage", blank=True, related_name="+"
    )
    bio = models.TextField(
        max_length=600, blank=True, help_text=gettext_lazy("A few sentences, plain text.")
    )
    visibility = models.CharField(
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
        help_text=gettext_lazy(
            "Who may see your job title, organisation, region, themes, projects and bio."
        ),
    )

    accepts_messages = models.BooleanField(
        default=True,
        help_text=gettext_lazy(
            "Let signed-in members send you a message through the site. Your email "
            "address is never shown to them."
        ),
    )
    # Cymraeg: every email (notifications, digests, account emails) goes out in this language.
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=signup_language,
        help_text=gettext_lazy("Emails from the exchange come in this language."),
    )

    objects = ProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def is_visible_to(self, user) -> bool:
        """The same rule as `Profile.objects.visible_to`, for one profile already in hand."""
        if self.visibility == Profile.Visibility.PUBLIC:
            return True
        if user is None or not user.is_authenticated:
            return False
        if user.is_superuser or user.pk == self.user_id:
            return True
        return self.visibility == Profile.Visibility.MEMBERS

    def get_url(self) -> str:
        from django.urls import reverse

        return reverse("communities:member", kwargs={"username": self.user.username})

    get_absolute_url = get_url

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.username


def display_name(user) -> str:
    """The name shown for a person on posts: their chosen display name, or their username."""
    if user is None:
        return gettext("A former member")
    try:
        return user.profile.name
    except Profile.DoesNotExist:
        return user.get_full_name() or user.username


class ContactMessage(models.Model):
    """A message one member sent another through the site: kept to apply the rate limit."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=150)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
