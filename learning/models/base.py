"""Page building blocks shared by every page type.

`BasePage` is made of small field mixins, each bringing its own panels, so that every page lists
and shares the same way. `KnowledgePage` is the one concrete parent of the things people
publish and look for (projects, case studies, learning histories, methods): their themes,
regions, organisations, level, model, years and tags live in one table, so a theme, region,
organisation or tag page, and every facet count, is one query over one table whatever the type.
"""

from __future__ import annotations

from http import HTTPMethod

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet
from wagtail.search import index

from learning.markdown import markdown_to_text
from learning.serializers import TaxonomyRefSerializer, VisibleReuseLinksField


class VisiblePageQuerySet(PageQuerySet):
    """Pages a given person may see: the site's one permission rule for pages.

    Drafts and unpublished pages never appear. A page under a view restriction appears only to
    people who pass it: "login" restrictions to anyone signed in, group restrictions to members
    of those groups. Password restrictions need a per-session unlock, so such pages never appear
    in listings or search. Listings, search, feeds, the API and the sitemap all call this.
    """

    def visible_to(self, user: User | AnonymousUser | None) -> VisiblePageQuerySet:
        qs = self.live()
        restrictions = view_restrictions()
        if not restrictions:
            return qs
        hidden = Q()
        signed_in = bool(user and user.is_authenticated)
        is_superuser = bool(signed_in and user.is_superuser)
        group_ids = set(user.groups.values_list("pk", flat=True)) if signed_in else set()
        for restriction_type, path, restriction_groups in restrictions:
            if restriction_type == PageViewRestriction.PASSWORD:
                passes = False
            elif is_superuser or restriction_type == PageViewRestriction.LOGIN:
                passes = signed_in
            else:
                passes = bool(group_ids & restriction_groups)
            if not passes:
                hidden |= Q(path__startswith=path)
        return qs.exclude(hidden) if hidden else qs


def access_tokens_for_path(path: str) -> list[str]:
    """Who may find the page at `path` in search, as tokens matched against `user_access_tokens`.

    The same rule as `visible_to`, written as tokens so that a search index can apply it to a
    million rows at once: a page is visible to a person when the two token lists share one.
    A page under several group restrictions is given only the groups common to all of them,
    which may hide it from someone `visible_to` would let in, but never shows it to anyone
    `visible_to` would keep out. Password-protected pages get no tokens and are never found.
    """
    applying = [
        (kind, groups) for kind, prefix, groups in view_restrictions() if path.startswith(prefix)
    ]
    if not applying:
        return ["public"]
    if any(kind == PageViewRestriction.PASSWORD for kind, _groups in applying):
        return []
    group_sets = [groups for kind, groups in applying if kind == PageViewRestriction.GROUPS]
    if not group_sets:
        return ["login"]
    return [f"group{pk}" for pk in sorted(set.intersection(*group_sets))] + ["superuser"]


def user_access_tokens(user: User | AnonymousUser | None) -> set[str]:
    """The tokens a person holds, to be matched against `access_tokens_for_path`."""
    tokens = {"public"}
    if user is not None and user.is_authenticated:
        tokens.add("login")
        tokens.update(f"group{pk}" for pk in user.groups.values_list("pk", flat=True))
        if user.is_superuser:
            tokens.add("superuser")
    return tokens


RESTRICTIONS_CACHE_KEY = "learning:view-restrictions:v1"


def view_restrictions() -> list[tuple[str, str, set[int]]]:
    """Every page view restriction as (type, page path, group ids), cached between changes.

    Restrictions are few and change rarely, but every listing needs them, so they are read
    once and kept until a restriction is saved or deleted (see learning.signals).
    """
    cached = cache.get(RESTRICTIONS_CACHE_KEY)
    if cached is None:
        cached = [
            (r.restriction_type, r.page.path, {g.pk for g in r.groups.all()})
            for r in PageViewRestriction.objects.select_related("page").prefetch_related("groups")
        ]
        cache.set(RESTRICTIONS_CACHE_KEY, cached, 3600)
    return cached


def forget_view_restrictions(**kwargs) -> None:
    cache.delete(RESTRICTIONS_CACHE_KEY)


VisiblePageManager = PageManager.from_queryset(VisiblePageQuerySet)


class ListingFields(models.Model):
    """What a page shows when it is listed: a short summary and an optional image."""

    summary = models.TextField(
        max_length=500,
        blank=True,
        help_text=gettext_lazy(
            "One or two plain sentences shown in listings, search results and link "
            "previews. Say what it is and why it matters to someone in another council."
        ),
    )
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy(
            "Optional picture for listings. Decorative only: never put text in it."
        ),
    )

    listing_panels = [
        MultiFieldPanel(
            [FieldPanel("summary"), FieldPanel("listing_image")],
            heading=gettext_lazy("How it is listed"),
        )
    ]

    class Meta:
        abstract = True


class SocialFields(models.Model):
    """What a page shows when shared on social media or messaging apps."""

    social_text = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy("Text for link previews; the summary if empty."),
    )

    social_panels = [MultiFieldPanel([FieldPanel("social_text")], heading=gettext_lazy("Sharing"))]

    class Meta:
        abstract = True


class BasePage(ListingFields, SocialFields, Page):
    """Abstract parent of every page type on the site."""

    objects = VisiblePageManager()

    promote_panels = Page.promote_panels + ListingFields.listing_panels + SocialFields.social_panels
    search_fields = Page.search_fields + [index.SearchField("summary", boost=2)]
    api_fields = [APIField("summary")]
    # Wagtail's default also lists DELETE, PATCH and PUT, and then renders the page for them:
    # nothing here is changed that way, so they answer 405 (and OPTIONS does not offer them).
    allowed_http_methods = [
        HTTPMethod.GET,
        HTTPMethod.HEAD,
        HTTPMethod.OPTIONS,
        HTTPMethod.POST,  # the forum's forms post to routes of a community page
    ]

    class Meta:
        abstract = True

    def get_meta_description(self) -> str:
        return self.search_description or self.summary or ""


class KnowledgePageTag(TaggedItemBase):
    """A free tag on a piece of published knowledge (django-taggit through model)."""

    content_object = ParentalKey(
        "learning.KnowledgePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class KnowledgePage(BasePage):
    """Concrete parent of projects, case studies, learning histories and methods.

    Not creatable on its own: editors always create one of the specific types.
    """

    themes = ParentalManyToManyField(
        "learning.Theme",
        blank=True,
        related_name="pages",
        help_text=gettext_lazy("The policy themes this is about. Choose every theme that applies."),
    )
    regions = ParentalManyToManyField(
        "learning.Region",
        blank=True,
        related_name="pages",
        help_text=gettext_lazy(
            "The places this covers. Choose the most specific place you can; it will "
            "also show up under the region and nation around it."
        ),
    )
    organisations = ParentalManyToManyField(
        "learning.Organisation",
        blank=True,
        related_name="pages",
        help_text=gettext_lazy("Organisations that did the work or took part."),
    )
    delivery_level = models.ForeignKey(
        "learning.DeliveryLevel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages",
        help_text=gettext_lazy(
            "The level the work is delivered at: neighbourhood, local, regional or national."
        ),
    )
    transformation_model = models.ForeignKey(
        "learning.TransformationModel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages",
        help_text=gettext_lazy("The whole-council approach it best illustrates, if any."),
    )
    year_start = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=gettext_lazy("The year the work started.")
    )
    year_end = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The year it ended. Leave empty if it is still going."),
    )
    methods_used = ParentalManyToManyField(
        "learning.MethodPage",
        blank=True,
        related_name="used_by",
        help_text=gettext_lazy("Methods from the methods library that this work used."),
    )
    service_functions = ParentalManyToManyField(
        "learning.ServiceFunction",
        blank=True,
        related_name="pages",
        help_text=gettext_lazy(
            "The service functions this work delivers (see 'What is delivered at which "
            "level'), so it can be compared with where the evidence says each is best delivered."
        ),
    )
    tags = ClusterTaggableManager(
        through=KnowledgePageTag,
        blank=True,
        help_text=gettext_lazy(
            "Free keywords that help people find this, e.g. 'early intervention'."
        ),
    )

    is_creatable = False

    classification_panels = [
        FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
        FieldPanel("regions", widget=forms.CheckboxSelectMultiple),
        FieldPanel("organisations", widget=forms.CheckboxSelectMultiple),
        FieldPanel("delivery_level"),
        FieldPanel("transformation_model"),
        MultiFieldPanel(
            [FieldPanel("year_start"), FieldPanel("year_end")], heading=gettext_lazy("Years")
        ),
        FieldPanel("methods_used", widget=forms.CheckboxSelectMultiple),
        FieldPanel("service_functions", widget=forms.CheckboxSelectMultiple),
        FieldPanel("tags"),
    ]

    # Projects and case studies say what they reused or adapted from elsewhere.
    reuse_panels = [
        HelpPanel(
            content=gettext_lazy(
                "Which methods or case studies from this site did this work reuse or "
                "adapt? Each one then shows that it was reused here."
            )
        ),
        InlinePanel("reuses", label=gettext_lazy("Reused method or case study")),
    ]

    # Projects and case studies both report savings; one panel keeps the guidance the same.
    savings_panels = [
        HelpPanel(
            content=gettext_lazy(
                "Record every money figure as its own savings record, with its status and "
                "source, so that the programme can add them up without counting anything twice."
            )
        ),
        InlinePanel("savings_records", label=gettext_lazy("Savings record")),
    ]

    search_fields = BasePage.search_fields + [
        index.RelatedFields("themes", [index.SearchField("name")]),
        index.RelatedFields("regions", [index.SearchField("name")]),
        index.RelatedFields("organisations", [index.SearchField("name")]),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("delivery_level"),
        index.FilterField("transformation_model"),
        index.FilterField("year_start"),
    ]

    api_fields = BasePage.api_fields + [
        APIField("themes", serializer=TaxonomyRefSerializer(many=True)),
        APIField("regions", serializer=TaxonomyRefSerializer(many=True)),
        APIField("organisations", serializer=TaxonomyRefSerializer(many=True)),
        APIField("delivery_level", serializer=TaxonomyRefSerializer()),
        APIField("transformation_model", serializer=TaxonomyRefSerializer()),
        APIField("year_start"),
        APIField("year_end"),
        APIField("tags"),
        APIField("service_functions", serializer=TaxonomyRefSerializer(many=True)),
        APIField("reuses", serializer=VisibleReuseLinksField()),
    ]

    class Meta:
        verbose_name = gettext_lazy("knowledge page")

    def clean(self) -> None:
        super().clean()
        if self.year_start and self.year_end and self.year_end < self.year_start:
            raise ValidationError(
                {"year_end": gettext("The end year must be the same as or after the start year.")}
            )

    def get_context(self, request, *args, **kwargs) -> dict:
        """Classification for the page's key-facts panel, fetched once each."""
        context = super().get_context(request, *args, **kwargs)
        context["facts"] = {
            # Each theme's page in every language, so `theme.page` picks the visitor's.
            "themes": list(self.themes.prefetch_related("theme_pages")),
            "regions": list(self.regions.all()),
            "organisations": list(self.organisations.all()),
            "tags": list(self.tags.all()),
            "service_functions": list(
                self.service_functions.select_related("recommended_level").order_by("name")
            ),
        }
        return context

    @property
    def years_label(self) -> str:
        if self.year_start and self.year_end and self.year_end != self.year_start:
            return f"{self.year_start}–{self.year_end}"
        if self.year_start and not self.year_end:
            # Translators: the years of work that has not ended, e.g. "2009 onwards".
            return gettext("%(year)s onwards") % {"year": self.year_start}
        return str(self.year_start or "")

    @property
    def summary_text(self) -> str:
        return markdown_to_text(self.summary)
