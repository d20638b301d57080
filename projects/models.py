"""High-impact projects, their milestones, barriers and enablers, and savings records."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Orderable
from wagtail.search import index

from learning.models import BasePage, IndexPage, KnowledgePage, LearningHistoryPage
from learning.models.pages import MARKDOWN_HELP, tabs
from learning.serializers import PageRefSerializer, TaxonomyRefSerializer


class Sector(models.TextChoices):
    """Who pays for a change and where its savings land (Total Place: often not the same)."""

    LOCAL_GOVERNMENT = "local_government", gettext_lazy("Local government")
    HEALTH = "health", gettext_lazy("Health")
    POLICE = "police", gettext_lazy("Police")
    JUSTICE = "justice", gettext_lazy("Criminal justice")
    FIRE = "fire", gettext_lazy("Fire and rescue")
    CENTRAL_GOVERNMENT = "central_government", gettext_lazy("Central or devolved government")
    WELFARE = "welfare", gettext_lazy("Welfare and benefits")
    THIRD_SECTOR = "third_sector", gettext_lazy("Third sector")
    CITIZENS = "citizens", gettext_lazy("Citizens and communities")
    MULTIPLE = "multiple", gettext_lazy("Several agencies")
    OTHER = "other", gettext_lazy("Other")


class SavingsRecord(Orderable):
    """One money figure reported by a project or case study: the unit of "counting".

    Figures are kept exactly as reported (a range stays a range, a one-off stays one-off) with
    their status and source, so totals can be made later without double counting or silently
    annualising anything.
    """

    class Kind(models.TextChoices):
        CASHABLE = "cashable", gettext_lazy("Cashable saving")
        COST_AVOIDANCE = "cost_avoidance", gettext_lazy("Cost avoidance")
        INCOME = "income", gettext_lazy("Income generated")

    class Period(models.TextChoices):
        ONE_OFF = "one_off", gettext_lazy("One-off")
        PER_YEAR = "per_year", gettext_lazy("Per year")
        OVER_YEARS = "over_years", gettext_lazy("Over a number of years")

    class Status(models.TextChoices):
        ESTIMATED = "estimated", gettext_lazy("Estimated")
        PROJECTED = "projected", gettext_lazy("Projected")
        ACHIEVED = "achieved", gettext_lazy("Achieved")
        VERIFIED = "verified", gettext_lazy("Independently verified")

    page = ParentalKey(
        "learning.KnowledgePage", on_delete=models.CASCADE, related_name="savings_records"
    )
    description = models.CharField(
        max_length=300, help_text=gettext_lazy("What the saving is, e.g. 'Shared management team'.")
    )
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=0,
        help_text=gettext_lazy("In pounds, no commas or £ sign. For a range, the low figure."),
    )
    amount_high = models.DecimalField(
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=gettext_lazy("Only for a range: the high figure, in pounds."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CASHABLE)
    period = models.CharField(max_length=20, choices=Period.choices, default=Period.PER_YEAR)
    years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Only for 'over a number of years': how many years."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ESTIMATED)
    paid_by = models.CharField(
        max_length=30,
        choices=Sector.choices,
        blank=True,
        help_text=gettext_lazy("The sector that invests or changes its service."),
    )
    benefits = models.CharField(
        max_length=30,
        choices=Sector.choices,
        blank=True,
        help_text=gettext_lazy("The sector where the saving lands."),
    )
    delivery_level = models.ForeignKey(
        "learning.DeliveryLevel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="savings_records",
        help_text=gettext_lazy(
            "The level at which the saving is made, if different from the project's."
        ),
    )
    investment = models.DecimalField(
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=gettext_lazy("Money put in to get this saving, in pounds, if known."),
    )
    start_date = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Optional: the first day of the period the figure covers."),
    )
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Optional: the last day of the period the figure covers."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=gettext_lazy("already counted in"),
        help_text=gettext_lazy(
            "If this figure is already included in another record (the same saving "
            "reported on another page, or a part of a total recorded here), choose that record. "
            "It is then listed but not added up again."
        ),
    )
    source = models.CharField(
        max_length=500,
        blank=True,
        help_text=gettext_lazy(
            "Where the figure comes from: document, section and quote. Required for a "
            "verified figure."
        ),
    )

    panels = [
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("amount_high")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("status")]),
        FieldRowPanel([FieldPanel("period"), FieldPanel("years")]),
        FieldRowPanel([FieldPanel("paid_by"), FieldPanel("benefits")]),
        FieldRowPanel([FieldPanel("delivery_level"), FieldPanel("investment")]),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("source"),
        FieldPanel("duplicate_of"),
    ]
    api_fields = [
        APIField("description"),
        APIField("amount"),
        APIField("amount_high"),
        APIField("kind"),
        APIField("period"),
        APIField("years"),
        APIField("status"),
        APIField("paid_by"),
        APIField("benefits"),
        APIField("delivery_level", serializer=TaxonomyRefSerializer()),
        APIField("investment"),
        APIField("start_date"),
        APIField("end_date"),
        APIField("duplicate_of_id"),
        APIField("source"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = gettext_lazy("savings record")

    def __str__(self) -> str:
        return f"{self.description}: {self.amount_label}"

    def clean(self) -> None:
        errors = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = gettext("Enter the saving as a positive number of pounds.")
        if (
            self.amount_high is not None
            and self.amount is not None
            and self.amount_high < self.amount
        ):
            errors["amount_high"] = gettext("The high figure must be at least the low figure.")
        if self.period == self.Period.OVER_YEARS and not self.years:
            errors["years"] = gettext("Say over how many years the saving is made.")
        if self.period != self.Period.OVER_YEARS and self.years:
            errors["years"] = gettext(
                "Only give a number of years for savings made over several years."
            )
        if self.amount_high is not None and self.amount_high < 0:
            errors["amount_high"] = gettext("Enter the high figure as a positive number of pounds.")
        if self.investment is not None and self.investment < 0:
            errors["investment"] = gettext("Enter the investment as a positive number of pounds.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = gettext("The end date must be on or after the start date.")
        if self.status == self.Status.VERIFIED and not (self.source or "").strip():
            errors["source"] = gettext(
                "Say where a verified figure comes from: the document, section and who verified it."
            )
        if self.duplicate_of_id and self.pk and self.duplicate_of_id == self.pk:
            errors["duplicate_of"] = gettext("A record cannot be a duplicate of itself.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def format_pounds(value: Decimal | int | None) -> str:
        """£1.2m, £800k or £950, as people write money in these reports."""
        if value is None:
            return ""
        value = Decimal(value)
        if value >= 1_000_000_000:
            text = f"£{value / 1_000_000_000:.2f}".rstrip("0").rstrip(".") + "bn"
        elif value >= 1_000_000:
            text = f"£{value / 1_000_000:.2f}".rstrip("0").rstrip(".") + "m"
        elif value >= 10_000:
            text = f"£{value / 1_000:.1f}".rstrip("0").rstrip(".") + "k"
        else:
            text = f"£{value:,.0f}"
        return text

    @property
    def amount_label(self) -> str:
        low = self.format_pounds(self.amount)
        if self.amount_high is not None and self.amount_high != self.amount:
            # Translators: a range of money, e.g. "£1.2m to £1.5m".
            return gettext("%(low)s to %(high)s") % {
                "low": low,
                "high": self.format_pounds(self.amount_high),
            }
        return low

    @property
    def investment_label(self) -> str:
        return self.format_pounds(self.investment)

    @property
    def period_label(self) -> str:
        if self.period == self.Period.OVER_YEARS and self.years:
            return ngettext("over %(years)d year", "over %(years)d years", self.years) % {
                "years": self.years
            }
        return str(self.get_period_display()).lower()


class ProjectIndexPage(IndexPage):
    template = "learning/index_page.html"
    """All high-impact projects."""

    subpage_types = ["projects.HighImpactProjectPage"]
    listing_model_name = "projects.HighImpactProjectPage"

    class Meta:
        verbose_name = gettext_lazy("projects index")


class HighImpactProjectPage(KnowledgePage):
    """A "big ticket" project: one theme, a named lead organisation, partners across a region.

    Learning histories about the project are created as its child pages, so that the project
    lead, who can edit this part of the site, can write them.
    """

    class Status(models.TextChoices):
        PLANNING = "planning", gettext_lazy("Planning")
        ACTIVE = "active", gettext_lazy("Active")
        COMPLETED = "completed", gettext_lazy("Completed")

    lead_organisation = models.ForeignKey(
        "learning.Organisation",
        on_delete=models.PROTECT,
        related_name="led_projects",
        help_text=gettext_lazy(
            "The organisation that leads the project and is accountable for it."
        ),
    )
    lead_is_illustrative = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Tick if the lead shown is illustrative (for example in demo content) rather "
            "than confirmed; the page then says so."
        ),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    lead_role = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy(
            "The project lead's role, e.g. 'Director of social services, lead council'."
        ),
    )
    manager_role = models.CharField(
        max_length=255, blank=True, help_text=gettext_lazy("The project manager's role.")
    )
    contact_route = models.CharField(
        max_length=255,
        blank=True,
        help_text=gettext_lazy(
            "How people can get in touch, by role or team. Never a personal email."
        ),
    )
    aims = models.TextField(
        help_text=format_lazy(
            "{} {}", gettext_lazy("What the project sets out to achieve."), MARKDOWN_HELP
        )
    )
    approach = models.TextField(
        blank=True,
        help_text=format_lazy("{} {}", gettext_lazy("How it goes about it."), MARKDOWN_HELP),
    )
    related_case_studies = ParentalManyToManyField(
        "learning.CaseStudyPage",
        blank=True,
        related_name="related_projects",
        help_text=gettext_lazy("Case studies from elsewhere that this project learns from."),
    )

    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = ["learning.LearningHistoryPage"]

    content_panels = BasePage.content_panels + [
        FieldPanel("summary"),
        FieldPanel("aims"),
        FieldPanel("approach"),
    ]
    people_panels = [
        HelpPanel(
            content=gettext_lazy(
                "Say who is involved by role and organisation. Personal names and email "
                "addresses do not belong here: people get in touch through the contact route."
            )
        ),
        FieldPanel("lead_organisation"),
        FieldPanel("lead_is_illustrative"),
        FieldPanel(
            "organisations", heading=gettext_lazy("Partners"), widget=forms.CheckboxSelectMultiple
        ),
        MultiFieldPanel(
            [FieldPanel("lead_role"), FieldPanel("manager_role"), FieldPanel("contact_route")],
            heading=gettext_lazy("Contacts"),
        ),
    ]
    edit_handler = tabs(
        (gettext_lazy("Project"), content_panels),
        (gettext_lazy("People"), people_panels),
        (
            gettext_lazy("About"),
            [FieldPanel("status")]
            + [
                p
                for p in KnowledgePage.classification_panels
                if getattr(p, "field_name", None) != "organisations"
            ]
            + [FieldPanel("related_case_studies", widget=forms.CheckboxSelectMultiple)],
        ),
        (
            gettext_lazy("Savings and milestones"),
            [
                HelpPanel(
                    content=gettext_lazy(
                        "Keep these current: project leads can edit this for their own "
                        "project. Amounts are in whole pounds and never negative; a verified "
                        "figure needs a source."
                    )
                ),
                InlinePanel("milestones", label=gettext_lazy("Milestone")),
                *KnowledgePage.savings_panels,
            ],
        ),
        (gettext_lazy("Reuse"), KnowledgePage.reuse_panels),
        (
            gettext_lazy("Barriers and enablers"),
            [
                HelpPanel(
                    content=gettext_lazy(
                        "What stands in the way, and what helps, at each level. These are "
                        "compared across projects, so pick the closest category."
                    )
                ),
                InlinePanel("barriers_enablers", label=gettext_lazy("Barrier or enabler")),
            ],
        ),
    )
    search_fields = KnowledgePage.search_fields + [
        index.SearchField("aims"),
        index.SearchField("approach"),
        index.RelatedFields("lead_organisation", [index.SearchField("name")]),
        index.FilterField("status"),
    ]
    api_fields = KnowledgePage.api_fields + [
        APIField("lead_organisation", serializer=TaxonomyRefSerializer()),
        APIField("lead_is_illustrative"),
        APIField("status"),
        APIField("lead_role"),
        APIField("manager_role"),
        APIField("contact_route"),
        APIField("aims"),
        APIField("approach"),
        APIField("milestones"),
        APIField("barriers_enablers"),
        APIField("savings_records"),
        APIField("methods_used", serializer=PageRefSerializer(many=True)),
        APIField("related_case_studies", serializer=PageRefSerializer(many=True)),
    ]

    class Meta:
        verbose_name = gettext_lazy("high-impact project")

    @cached_property
    def theme(self):
        """A high-impact project has one theme; the first chosen is it."""
        themes = list(self.themes.all())
        return themes[0] if themes else None

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        if "theme" not in self.__dict__:  # the facts panel has fetched the themes already
            themes = context["facts"]["themes"]
            self.theme = themes[0] if themes else None
        context["learning_histories"] = (
            LearningHistoryPage.objects.visible_to(request.user).child_of(self).order_by("title")
        )
        related = HighImpactProjectPage.related_case_studies.through.objects.filter(
            highimpactprojectpage_id=self.pk
        ).values("casestudypage_id")
        context["related_case_studies"] = (
            self.related_case_studies.model.objects.visible_to(request.user)
            .filter(pk__in=related)
            .order_by("title")
        )
        barriers = list(self.barriers_enablers.all())
        context["barriers"] = [b for b in barriers if b.kind == BarrierEnabler.Kind.BARRIER]
        context["enablers"] = [b for b in barriers if b.kind == BarrierEnabler.Kind.ENABLER]
        return context


class Milestone(Orderable):
    """A dated step in a project's plan."""

    class Status(models.TextChoices):
        DONE = "done", gettext_lazy("Done")
        DUE = "due", gettext_lazy("Due")
        LATE = "late", gettext_lazy("Late")

    project = ParentalKey(
        HighImpactProjectPage, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=255)
    date = models.DateField(help_text=gettext_lazy("When it was reached, or is due."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    description = models.TextField(blank=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("status")]),
        FieldPanel("description"),
    ]
    api_fields = [APIField("title"), APIField("date"), APIField("status"), APIField("description")]

    class Meta(Orderable.Meta):
        ordering = ["date", "sort_order"]


class BarrierEnabler(Orderable):
    """Something that stood in a project's way or helped it, at a level and in a category."""

    class Kind(models.TextChoices):
        BARRIER = "barrier", gettext_lazy("Barrier")
        ENABLER = "enabler", gettext_lazy("Enabler")

    class Category(models.TextChoices):
        GOVERNANCE = "governance", gettext_lazy("Governance")
        FUNDING = "funding", gettext_lazy("Funding")
        INFORMATION_SHARING = "information_sharing", gettext_lazy("Information sharing")
        PROCUREMENT = "procurement", gettext_lazy("Procurement")
        HR = "hr", gettext_lazy("People and HR")
        CULTURE = "culture", gettext_lazy("Culture")
        POLITICS = "politics", gettext_lazy("Politics")
        PACE = "pace", gettext_lazy("Pace")

    class Level(models.TextChoices):
        LOCAL = "local", gettext_lazy("Local")
        REGIONAL = "regional", gettext_lazy("Regional")
        NATIONAL = "national", gettext_lazy("National")

    project = ParentalKey(
        HighImpactProjectPage, on_delete=models.CASCADE, related_name="barriers_enablers"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.TextField()

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("level"), FieldPanel("category")]),
        FieldPanel("description"),
    ]
    api_fields = [
        APIField("kind"),
        APIField("level"),
        APIField("category"),
        APIField("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = gettext_lazy("barrier or enabler")
        verbose_name_plural = gettext_lazy("barriers and enablers")


class BarrierGroup(models.Model):
    """Barriers or enablers from different projects that a curator has merged as one.

    Kept apart from the project pages (not a field on the entries), so a project lead
    publishing an older draft of their page cannot undo a curator's merge.
    """

    name = models.CharField(
        max_length=255,
        help_text=gettext_lazy("The shared wording shown in the explorer for the merged entries."),
    )
    kind = models.CharField(max_length=10, choices=BarrierEnabler.Kind.choices)
    category = models.CharField(max_length=30, choices=BarrierEnabler.Category.choices)
    merged_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BarrierGroupMember(models.Model):
    """One project's entry in a merged group; an entry belongs to at most one group."""

    group = models.ForeignKey(BarrierGroup, on_delete=models.CASCADE, related_name="members")
    entry = models.OneToOneField(
        BarrierEnabler, on_delete=models.CASCADE, related_name="group_membership"
    )

    def __str__(self) -> str:
        return f"{self.group_id}: {self.entry_id}"


class ProjectLeadGroup(models.Model):
    """The group whose members lead one project: Wagtail page permissions (change and add) on
    that project's page alone, so a lead keeps their own numbers current and nobody else's.

    A model rather than a naming scheme, so renaming the project or the group cannot break the
    link. `projects.leads` manages it.
    """

    project = models.OneToOneField(
        HighImpactProjectPage, on_delete=models.CASCADE, related_name="lead_group_link"
    )
    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="lead_of")

    def __str__(self) -> str:
        return self.group.name
