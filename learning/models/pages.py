"""Page types for knowledge content and the theme and region pages that join it up."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from learning.blocks import LearningHistoryStreamBlock, LinkBlock
from learning.listing import build_listing
from learning.markdown import markdown_to_text
from learning.models.base import BasePage, KnowledgePage, SocialFields
from learning.models.taxonomy import Region
from learning.serializers import PageRefSerializer, TaxonomyRefSerializer

MARKDOWN_HELP = gettext_lazy(
    "Markdown: a blank line between paragraphs, '-' for bullet points, **bold**, and links as "
    "[text](https://address)."
)


# Knowledge pages edit their summary on their first tab. A field shown on two tabs is posted
# twice and the later copy (Promote's, usually empty) wins, so Promote keeps only the image.
KNOWLEDGE_PROMOTE_PANELS = (
    Page.promote_panels
    + [MultiFieldPanel([FieldPanel("listing_image")], heading=gettext_lazy("How it is listed"))]
    + SocialFields.social_panels
)


def tabs(*panels: tuple[str, list]) -> TabbedInterface:
    """Build an editor's tabbed interface from (heading, panels) pairs, plus Promote/Settings."""
    return TabbedInterface(
        [ObjectList(children, heading=heading) for heading, children in panels]
        + [
            ObjectList(KNOWLEDGE_PROMOTE_PANELS, heading=gettext_lazy("Promote")),
            ObjectList(Page.settings_panels, heading=gettext_lazy("Settings")),
        ]
    )


class SectionPage(BasePage):
    """Abstract top-level section of the site: one of each, directly under the home page."""

    introduction = models.TextField(blank=True, help_text=MARKDOWN_HELP)

    content_panels = BasePage.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cop_site.HomePage"]
    max_count = 1

    class Meta:
        abstract = True


class IndexPage(SectionPage):
    """Abstract listing page for one content type (projects, case studies...)."""

    #: "app_label.ModelName" of the page type this index lists.
    listing_model_name = ""

    class Meta:
        abstract = True

    def listing_queryset(self, request: HttpRequest):
        return apps.get_model(self.listing_model_name).objects.visible_to(request.user)

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["listing"] = build_listing(request, self.listing_queryset(request))
        return context


# --- Themes and regions -----------------------------------------------------------------------


def one_page_per_language(page: Page, field_name: str) -> None:
    """A theme or place has one page in each language (the page and its translations).

    Checked here rather than by a database constraint because the language lives on Wagtail's
    page table and the theme on this one.
    """
    value = getattr(page, f"{field_name}_id")
    others = type(page).objects.filter(**{f"{field_name}_id": value}, locale_id=page.locale_id)
    if value and others.exclude(pk=page.pk).exists():
        raise ValidationError({field_name: gettext("It already has a page in this language.")})


class CuratedPage(BasePage):
    """A page that a curator introduces and features items on, above an automatic listing."""

    introduction = models.TextField(blank=True, help_text=MARKDOWN_HELP)

    class Meta:
        abstract = True

    def knowledge_queryset(self, request: HttpRequest):
        raise NotImplementedError

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["listing"] = build_listing(request, self.knowledge_queryset(request))
        featured_ids = [item.page_id for item in self.featured_items.all()]
        visible = {
            p.pk: p
            for p in KnowledgePage.objects.visible_to(request.user).filter(pk__in=featured_ids)
        }
        context["featured"] = [visible[pk] for pk in featured_ids if pk in visible]
        return context


class FeaturedItem(Orderable):
    """A page a curator picks to show first."""

    page = models.ForeignKey(
        "learning.KnowledgePage",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=gettext_lazy("A project, case study, learning history or method to feature."),
    )
    note = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy("Optional: why it is featured, in a sentence."),
    )

    panels = [PageChooserPanel("page"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        abstract = True


class ThemeIndexPage(SectionPage):
    """All themes, with how much there is in each."""

    subpage_types = ["learning.ThemePage"]

    class Meta:
        verbose_name = gettext_lazy("themes index")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        visible_ids = KnowledgePage.objects.visible_to(request.user).values("pk")
        context["theme_pages"] = (
            ThemePage.objects.visible_to(request.user)
            .child_of(self)
            .select_related("theme")
            .annotate(item_count=Count("theme__pages", filter=Q(theme__pages__in=visible_ids)))
            .order_by("title")
        )
        return context


class ThemePage(CuratedPage):
    """The home of one theme: its projects, case studies, learning histories and methods."""

    # One page per theme in each language: its translations share the theme (see `clean`).
    theme = models.ForeignKey(
        "learning.Theme",
        on_delete=models.PROTECT,
        related_name="theme_pages",
        help_text=gettext_lazy("The theme this page is the home of. Each theme has one page."),
    )

    parent_page_types = ["learning.ThemeIndexPage"]
    subpage_types: list[str] = []
    content_panels = BasePage.content_panels + [
        FieldPanel("theme"),
        FieldPanel("introduction"),
        InlinePanel("featured_items", label=gettext_lazy("Featured items"), max_num=6),
    ]
    search_fields = BasePage.search_fields + [index.SearchField("introduction")]
    api_fields = BasePage.api_fields + [
        APIField("theme", serializer=TaxonomyRefSerializer()),
        APIField("introduction"),
    ]

    class Meta:
        verbose_name = gettext_lazy("theme page")

    def clean(self) -> None:
        super().clean()
        one_page_per_language(self, "theme")

    def knowledge_queryset(self, request: HttpRequest):
        return KnowledgePage.objects.visible_to(request.user).filter(
            pk__in=KnowledgePage.themes.through.objects.filter(theme_id=self.theme_id).values(
                "knowledgepage_id"
            )
        )

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        # The communities of practice on this theme, listed as the communities index lists them
        # (private ones by name), so a curator sees who meets about it beside what was published.
        community_model = apps.get_model("communities", "CommunityPage")
        on_theme = community_model.themes.through.objects.filter(theme_id=self.theme_id)
        context["theme_communities"] = list(
            community_model.objects.visible_to(request.user)
            .filter(pk__in=on_theme.values("communitypage_id"))
            .order_by("title")
        )
        return context


class ThemeFeaturedItem(FeaturedItem):
    source_page = ParentalKey(ThemePage, on_delete=models.CASCADE, related_name="featured_items")


class RegionIndexPage(SectionPage):
    """Nations and regions, as a tree."""

    subpage_types = ["learning.RegionPage"]

    class Meta:
        verbose_name = gettext_lazy("regions index")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["region_pages"] = (
            RegionPage.objects.visible_to(request.user)
            .descendant_of(self)
            .select_related("region")
            .order_by("path")
        )
        return context


class RegionPage(CuratedPage):
    """The home of one place: what happens in it and in the places inside it."""

    # One page per place in each language: its translations share the place (see `clean`).
    region = models.ForeignKey(
        "learning.Region",
        on_delete=models.PROTECT,
        related_name="region_pages",
        help_text=gettext_lazy("The nation or region this page is the home of."),
    )

    parent_page_types = ["learning.RegionIndexPage", "learning.RegionPage"]
    subpage_types = ["learning.RegionPage"]
    content_panels = BasePage.content_panels + [
        FieldPanel("region"),
        FieldPanel("introduction"),
        InlinePanel("featured_items", label=gettext_lazy("Featured items"), max_num=6),
    ]
    search_fields = BasePage.search_fields + [index.SearchField("introduction")]
    api_fields = BasePage.api_fields + [
        APIField("region", serializer=TaxonomyRefSerializer()),
        APIField("introduction"),
    ]

    class Meta:
        verbose_name = gettext_lazy("region page")

    def clean(self) -> None:
        super().clean()
        one_page_per_language(self, "region")

    def knowledge_queryset(self, request: HttpRequest):
        place_ids = Region.descendant_ids_of([self.region_id])
        return KnowledgePage.objects.visible_to(request.user).filter(
            pk__in=KnowledgePage.regions.through.objects.filter(region_id__in=place_ids).values(
                "knowledgepage_id"
            )
        )

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["sub_regions"] = (
            RegionPage.objects.visible_to(request.user).child_of(self).select_related("region")
        )
        context["areas"] = Region.objects.filter(parent_id=self.region_id, kind="area")
        # Communities and their upcoming events anywhere in the place (its regions and areas
        # too), each under its own app's rule: communities are listed as the communities index
        # lists them (private ones by name), events only where the community may be read.
        community_model = apps.get_model("communities", "CommunityPage")
        event_model = apps.get_model("communities", "Event")
        place_ids = sorted(Region.descendant_ids_of([self.region_id]))
        in_place = community_model.regions.through.objects.filter(region_id__in=place_ids)
        context["place_communities"] = list(
            community_model.objects.visible_to(request.user)
            .filter(pk__in=in_place.values("communitypage_id"))
            .order_by("title")
        )
        context["place_events"] = list(
            event_model.objects.visible_to(request.user)
            .upcoming()
            .filter(cancelled=False, community__in=in_place.values("communitypage_id"))
            .select_related("community")[:3]
        )
        return context


class RegionFeaturedItem(FeaturedItem):
    source_page = ParentalKey(RegionPage, on_delete=models.CASCADE, related_name="featured_items")


# --- Case studies -----------------------------------------------------------------------------


class CaseStudyIndexPage(IndexPage):
    template = "learning/index_page.html"
    """All case studies."""

    subpage_types = ["learning.CaseStudyPage"]

    class Meta:
        verbose_name = gettext_lazy("case studies index")

    listing_model_name = "learning.CaseStudyPage"


class CaseStudyPage(KnowledgePage):
    """What a place did, what came of it, what it saved, and who to contact."""

    place = models.ForeignKey(
        "learning.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy("The place where this happened, e.g. the council's area."),
    )
    what_they_did = models.TextField(
        help_text=format_lazy(
            "{} {}", gettext_lazy("What was done, how and with whom."), MARKDOWN_HELP
        )
    )
    outcomes = models.TextField(
        blank=True,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "What changed for people and services. Put money figures in Savings "
                "records too, so they can be counted."
            ),
            MARKDOWN_HELP,
        ),
    )
    contact_route = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy(
            "How to get in touch, by role and organisation (e.g. 'The council's "
            "transformation team'). Never a personal email address."
        ),
    )
    further_reading = StreamField([("link", LinkBlock())], blank=True, use_json_field=True)
    source = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy("Where this account comes from, e.g. a report and its section."),
    )

    parent_page_types = ["learning.CaseStudyIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        FieldPanel("what_they_did"),
        FieldPanel("outcomes"),
        FieldPanel("contact_route"),
        FieldPanel("further_reading"),
        FieldPanel("source"),
    ]
    edit_handler = tabs(
        (gettext_lazy("Case study"), content_panels),
        (gettext_lazy("About"), [FieldPanel("place")] + KnowledgePage.classification_panels),
        (gettext_lazy("Savings"), KnowledgePage.savings_panels),
        (gettext_lazy("Reuse"), KnowledgePage.reuse_panels),
    )
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("what_they_did"),
        index.SearchField("outcomes"),
    ]
    api_fields = KnowledgePage.api_fields + [
        APIField("place", serializer=TaxonomyRefSerializer()),
        APIField("what_they_did"),
        APIField("outcomes"),
        APIField("contact_route"),
        APIField("further_reading"),
        APIField("source"),
        APIField("savings_records"),
        APIField("methods_used", serializer=PageRefSerializer(many=True)),
    ]

    class Meta:
        verbose_name = gettext_lazy("case study")
        verbose_name_plural = gettext_lazy("case studies")

    def get_meta_description(self) -> str:
        return self.search_description or self.summary or markdown_to_text(self.what_they_did)[:300]

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        """Add the visible work that reused or adapted this case study."""
        from projects.reuse import reused_by  # projects builds on learning, not the reverse

        context = super().get_context(request, *args, **kwargs)
        context["reused_by"] = reused_by(self, request.user)
        return context


# --- Methods ----------------------------------------------------------------------------------


class MethodIndexPage(IndexPage):
    template = "learning/index_page.html"
    """The methods library."""

    subpage_types = ["learning.MethodPage"]

    class Meta:
        verbose_name = gettext_lazy("methods index")

    listing_model_name = "learning.MethodPage"


class MethodPage(KnowledgePage):
    """A reusable method or tool, how to run it, and where it has been used."""

    class Workstream(models.TextChoices):
        COUNTING = "counting", gettext_lazy("Counting (what is spent, where)")
        CULTURE = "culture", gettext_lazy("Culture (leadership and ways of working)")
        CUSTOMERS = "customers", gettext_lazy("Customers (citizens' experience)")

    workstream = models.CharField(
        max_length=20,
        choices=Workstream.choices,
        blank=True,
        help_text=gettext_lazy("The Total Place workstream the method belongs to, if any."),
    )
    body = models.TextField(
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "What the method is, when to use it, how to run it step by step, and the pitfalls."
            ),
            MARKDOWN_HELP,
        )
    )
    sources = StreamField([("link", LinkBlock())], blank=True, use_json_field=True)

    parent_page_types = ["learning.MethodIndexPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        FieldPanel("workstream"),
        FieldPanel("body"),
        FieldPanel("sources"),
    ]
    edit_handler = tabs(
        (gettext_lazy("Method"), content_panels),
        (
            gettext_lazy("About"),
            [
                FieldPanel("themes"),
                FieldPanel("tags"),
            ],
        ),
    )
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("body"),
        index.FilterField("workstream"),
    ]
    api_fields = KnowledgePage.api_fields + [
        APIField("workstream"),
        APIField("body"),
        APIField("sources"),
    ]

    class Meta:
        verbose_name = gettext_lazy("method")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        """Add where the method was used, reused or adapted: one line per visible page."""
        from projects.reuse import reused_by  # projects builds on learning, not the reverse

        context = super().get_context(request, *args, **kwargs)
        context["reused_by"] = reused_by(self, request.user)
        return context


# --- Learning histories -----------------------------------------------------------------------


class LearningHistoryIndexPage(IndexPage):
    template = "learning/index_page.html"
    """All learning histories, wherever they sit in the tree."""

    subpage_types = ["learning.LearningHistoryPage"]

    class Meta:
        verbose_name = gettext_lazy("learning histories index")

    listing_model_name = "learning.LearningHistoryPage"


class LearningHistoryPage(KnowledgePage):
    """A jointly told tale of how people in a place learned to work differently.

    It lives either under the project it tells the story of (so the project's lead can write
    it) or in the learning histories section.
    """

    class Validation(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Not yet reviewed by participants")
        PARTICIPANTS_REVIEWED = (
            "participants_reviewed",
            gettext_lazy("Participants have reviewed their quotes"),
        )
        VALIDATED = "validated", gettext_lazy("Validated at a workshop with participants")

    learning_historians = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy(
            "Who wrote it, by role, e.g. 'Two learning historians from the regional "
            "improvement team'."
        ),
    )
    validation_status = models.CharField(
        max_length=30,
        choices=Validation.choices,
        default=Validation.DRAFT,
        help_text=gettext_lazy(
            "Participants should review the quotes attributed to their role before publication."
        ),
    )
    body = StreamField(LearningHistoryStreamBlock(), use_json_field=True)

    parent_page_types = ["learning.LearningHistoryIndexPage", "projects.HighImpactProjectPage"]
    subpage_types: list[str] = []

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        HelpPanel(
            content=gettext_lazy(
                "Build the story in chapters. In each row put what a participant said "
                "(their words, their role — never their name) and, beside it, your commentary."
            )
        ),
        FieldPanel("body"),
    ]
    edit_handler = tabs(
        (gettext_lazy("Learning history"), content_panels),
        (
            gettext_lazy("About"),
            [
                FieldPanel("learning_historians"),
                FieldPanel("validation_status"),
            ]
            + KnowledgePage.classification_panels,
        ),
    )
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("body"),
        index.SearchField("learning_historians"),
        index.FilterField("validation_status"),
    ]
    api_fields = KnowledgePage.api_fields + [
        APIField("learning_historians"),
        APIField("validation_status"),
        APIField("body"),
        APIField("project", serializer=PageRefSerializer()),
    ]

    class Meta:
        verbose_name = gettext_lazy("learning history")
        verbose_name_plural = gettext_lazy("learning histories")

    @property
    def project(self):
        """The high-impact project this tells the story of: the page it sits under, if any."""
        from projects.models import HighImpactProjectPage

        if not hasattr(self, "_project"):
            parent = self.get_parent()
            self._project = (
                HighImpactProjectPage.objects.filter(pk=parent.pk).first() if parent else None
            )
        return self._project
