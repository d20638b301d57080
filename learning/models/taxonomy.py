"""The shared vocabulary: themes, places, organisations, delivery levels and models.

Each is one row that every page points at, so listings, facets and totals count by key rather
than by spelling. They are Wagtail snippets that curators maintain in the admin.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.search import index

from learning.markdown import render_markdown


class TaxonomyBase(index.Indexed, models.Model):
    """Name and slug shared by every taxonomy row; ordered by name unless told otherwise."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(
        max_length=150,
        unique=True,
        help_text=gettext_lazy(
            "The short name used in web addresses and filters, e.g. 'frail-elderly'. "
            "Lower-case letters, numbers and hyphens only; avoid changing it once in use."
        ),
    )

    search_fields = [
        index.SearchField("name", boost=3),
        index.AutocompleteField("name"),
        index.FilterField("slug"),
    ]

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def name_in_language(name: str, name_cy: str = "", language: str | None = None) -> str:
    """The name people read in `language` (default: the active one), falling back to English.

    Only themes and places have a Welsh name; the English `name` stays the key that slugs, open
    data and the search index use, so a missing translation never leaves a label empty.
    """
    from cop_site.i18n import active_language

    if (language or active_language()) == "cy" and name_cy:
        return name_cy
    return name


class WelshNameMixin(models.Model):
    """A Welsh name beside the English one, for the taxonomy rows the Welsh site names most."""

    name_cy = models.CharField(
        max_length=150,
        blank=True,
        verbose_name=gettext_lazy("Welsh name"),
        help_text=gettext_lazy(
            "The name shown on the Welsh site, e.g. 'Pobl hŷn eiddil'. Leave empty to show "
            "the English name there too."
        ),
    )

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        """The name in the visitor's language (Welsh on /cy/ when there is one), for people to
        read; `name` stays the English key for files, feeds' addresses and the index."""
        return name_in_language(self.name, self.name_cy)

    @classmethod
    def display_names(cls) -> dict[int, str]:
        """Id -> display name for every row: one query, for code that built labels from
        `values_list(..., "name")`."""
        return {
            pk: name_in_language(name, name_cy)
            for pk, name, name_cy in cls.objects.values_list("pk", "name", "name_cy")
        }


class Theme(WelshNameMixin, TaxonomyBase):
    """A policy theme such as frail elderly or worklessness: one per high-impact project."""

    summary = models.TextField(
        blank=True,
        help_text=gettext_lazy("One or two sentences shown wherever the theme is listed."),
    )
    description = models.TextField(
        blank=True, help_text=gettext_lazy("A longer introduction to the theme, in Markdown.")
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("name_cy"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldPanel("description"),
    ]
    search_fields = TaxonomyBase.search_fields + [
        index.SearchField("name_cy", boost=3),
        index.SearchField("summary"),
    ]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("theme")

    @property
    def description_html(self) -> str:
        return render_markdown(self.description)

    @cached_property
    def page(self):  # -> ThemePage | None
        """The theme's page in the visitor's language, else in English (a theme has one page
        per language: its translations)."""
        from cop_site.i18n import page_in_language

        return page_in_language(self.theme_pages.all())


class Region(WelshNameMixin, TaxonomyBase):
    """A place: a nation, a region inside it, or a local area inside a region.

    The tree is shallow (three levels) and small (dozens of rows), so descendants are worked
    out in Python from one cached query instead of a tree library.
    """

    class Kind(models.TextChoices):
        NATION = "nation", gettext_lazy("Nation")
        REGION = "region", gettext_lazy("Region")
        AREA = "area", gettext_lazy("Local area")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.AREA)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=gettext_lazy(
            "The region or nation this place sits in. Leave empty for a nation."
        ),
    )

    panels = [
        HelpPanel(
            content=gettext_lazy(
                "Places form a tree: nation (Wales, England) &gt; region &gt; local area. "
                "Choosing a nation or region in a filter includes every place inside it."
            )
        ),
        FieldPanel("name"),
        FieldPanel("name_cy"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("parent"),
    ]

    search_fields = TaxonomyBase.search_fields + [index.SearchField("name_cy", boost=3)]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("region")

    @cached_property
    def page(self):  # -> RegionPage | None
        """The place's page in the visitor's language, else in English (one page per language)."""
        from cop_site.i18n import page_in_language

        return page_in_language(self.region_pages.all())

    TREE_CACHE_KEY = "learning:region-tree:v1"

    @classmethod
    def tree(cls) -> dict[int, tuple[int | None, str]]:
        """Map of region id to (parent id, name), cached until a region is saved."""
        tree = cache.get(cls.TREE_CACHE_KEY)
        if tree is None:
            tree = {
                pk: (parent_id, name)
                for pk, parent_id, name in cls.objects.values_list("pk", "parent_id", "name")
            }
            cache.set(cls.TREE_CACHE_KEY, tree, 3600)
        return tree

    @classmethod
    def descendant_ids_of(cls, region_ids: list[int]) -> set[int]:
        """The given regions and every place inside them."""
        tree = cls.tree()
        children: dict[int | None, list[int]] = {}
        for pk, (parent_id, _name) in tree.items():
            children.setdefault(parent_id, []).append(pk)
        found: set[int] = set()
        stack = list(region_ids)
        while stack:
            pk = stack.pop()
            if pk in found:
                continue
            found.add(pk)
            stack.extend(children.get(pk, []))
        return found

    @classmethod
    def with_ancestors(cls, region_ids: list[int]) -> list[int]:
        """The given regions and every region and nation around them, each once.

        Search stores these so that choosing Wales finds work filed under Cardiff.
        """
        tree = cls.tree()
        out: list[int] = []
        for pk in region_ids:
            current: int | None = pk
            while current is not None and current not in out:
                out.append(current)
                current = tree.get(current, (None, ""))[0]
        return out

    def descendant_ids(self) -> set[int]:
        return self.descendant_ids_of([self.pk])

    def ancestor_ids(self) -> list[int]:
        tree = self.tree()
        out, current = [], tree.get(self.pk, (None, ""))[0]
        while current is not None:
            out.append(current)
            current = tree.get(current, (None, ""))[0]
        return out

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(self.TREE_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(self.TREE_CACHE_KEY)
        return result


class Organisation(TaxonomyBase):
    """A public body, partnership or third-sector organisation that leads or takes part."""

    class Kind(models.TextChoices):
        COUNCIL = "council", gettext_lazy("Council")
        HEALTH = "health", gettext_lazy("Health board or primary care trust")
        POLICE = "police", gettext_lazy("Police")
        FIRE = "fire", gettext_lazy("Fire and rescue")
        THIRD_SECTOR = "third_sector", gettext_lazy("Third sector")
        CENTRAL_GOVERNMENT = "central_government", gettext_lazy("Central or devolved government")
        PARTNERSHIP = "partnership", gettext_lazy("Partnership")
        OTHER = "other", gettext_lazy("Other")

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COUNCIL)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
        help_text=gettext_lazy("Where the organisation is based."),
    )
    website = models.URLField(
        blank=True, help_text=gettext_lazy("The organisation's public home page.")
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("region"),
        FieldPanel("website"),
    ]
    search_fields = TaxonomyBase.search_fields + [
        index.FilterField("kind"),
        index.RelatedFields("region", [index.SearchField("name")]),
    ]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("organisation")

    def get_absolute_url(self) -> str:
        return reverse("organisation_detail", args=[self.slug])


class DeliveryLevel(TaxonomyBase):
    """Where a service is delivered: neighbourhood, local, regional or national (002 Table 1)."""

    order = models.PositiveSmallIntegerField(
        default=0,
        help_text=gettext_lazy("Smaller numbers are shown first (neighbourhood before national)."),
    )
    description = models.TextField(blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("order"),
        FieldPanel("description"),
    ]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("delivery level")
        ordering = ["order", "name"]


class TransformationModel(TaxonomyBase):
    """A whole-council transformation model from the LGA report (commissioning, cooperative...)."""

    description = models.TextField(
        blank=True, help_text=gettext_lazy("What the model means, in Markdown.")
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("transformation model")

    @cached_property
    def description_html(self) -> str:
        return render_markdown(self.description)


class ServiceFunction(TaxonomyBase):
    """A service function and the level it is best delivered at (002 §8.1, Table 1).

    Table 1 of the Wales report sorts functions into local, regional or sub-regional, and
    national delivery; the LGA's four tests (performance, economies of scale, equity, risk)
    say why. Projects and case studies link to the functions they deliver, so the site can
    show where each function is delivered today against where the evidence says it should be.
    """

    class Reading(models.TextChoices):
        LOWER = "lower", gettext_lazy("Points to local delivery")
        HIGHER = "higher", gettext_lazy("Points to regional or national delivery")
        MIXED = "mixed", gettext_lazy("Mixed or depends on the place")
        UNKNOWN = "", gettext_lazy("Not assessed")

    recommended_level = models.ForeignKey(
        DeliveryLevel,
        on_delete=models.PROTECT,
        related_name="service_functions",
        help_text=gettext_lazy(
            "The level Table 1 (or later evidence) recommends for this function."
        ),
    )
    service_area = models.CharField(
        max_length=100,
        blank=True,
        help_text=gettext_lazy("The large service area it belongs to, e.g. 'Social services'."),
    )
    description = models.TextField(
        blank=True, help_text=gettext_lazy("What the function covers, in Markdown.")
    )
    performance = models.CharField(
        max_length=10,
        choices=Reading.choices,
        blank=True,
        help_text=gettext_lazy(
            "Would integrated commissioning and decisions at a lower level improve performance?"
        ),
    )
    economies_of_scale = models.CharField(
        max_length=10,
        choices=Reading.choices,
        blank=True,
        help_text=gettext_lazy(
            "Are there economies of scale that only regional or national delivery gets?"
        ),
    )
    equity = models.CharField(
        max_length=10,
        choices=Reading.choices,
        blank=True,
        help_text=gettext_lazy("Does the public expect the same service everywhere?"),
    )
    risk = models.CharField(
        max_length=10,
        choices=Reading.choices,
        blank=True,
        help_text=gettext_lazy(
            "Can the financial and political risks be managed below national level?"
        ),
    )
    criteria_note = models.TextField(
        blank=True,
        help_text=gettext_lazy("Why the criteria read this way for this function, in Markdown."),
    )
    source = models.CharField(
        max_length=300, blank=True, help_text=gettext_lazy("Where the recommendation comes from.")
    )

    CRITERIA = ("performance", "economies_of_scale", "equity", "risk")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("recommended_level"),
        FieldPanel("service_area"),
        FieldPanel("description"),
        HelpPanel(
            content=gettext_lazy(
                "The four criteria (LGA, Place-based budgets, 2010, quoted in 002 §8.1): "
                "say for each whether it points to local delivery or to regional or national "
                "delivery."
            )
        ),
        FieldPanel("performance"),
        FieldPanel("economies_of_scale"),
        FieldPanel("equity"),
        FieldPanel("risk"),
        FieldPanel("criteria_note"),
        FieldPanel("source"),
    ]
    search_fields = TaxonomyBase.search_fields + [index.SearchField("description")]

    class Meta(TaxonomyBase.Meta):
        verbose_name = gettext_lazy("service function")

    @cached_property
    def description_html(self) -> str:
        return render_markdown(self.description)

    @cached_property
    def criteria_note_html(self) -> str:
        return render_markdown(self.criteria_note)

    def criteria(self) -> list[tuple[str, str, str]]:
        """(criterion name, reading value, reading label) for the four criteria, in order."""
        out = []
        for name in self.CRITERIA:
            value = getattr(self, name)
            out.append((str(CRITERIA_NAMES[name]), value, str(self.Reading(value).label)))
        return out


# The four criteria as people read them. Named here rather than as the fields' verbose names,
# which would change the migrations for a label.
CRITERIA_NAMES = {
    "performance": gettext_lazy("Performance"),
    "economies_of_scale": gettext_lazy("Economies of scale"),
    "equity": gettext_lazy("Equity"),
    "risk": gettext_lazy("Risk"),
}
