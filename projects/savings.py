"""The savings picture: one place that selects and adds up savings records.

The Wales report found that savings "are not necessarily being identified in a structured
way" (002 §6.2). Records are kept exactly as reported; this module is the only code that adds
them up, so the dashboard, the summaries on theme, region, organisation and project pages, and
the records behind every total all follow the same rules (see `COUNTING_RULES`):

- each record counts once, for the page that reported it; a record marked "already counted as"
  another is listed but not added;
- per-year, one-off and multi-year figures are added up separately, never converted into each
  other;
- a range adds its low figure to the low total and its high figure to the high total;
- only records on pages the person may see are selected (`visible_to`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext, pgettext_lazy

from cop_site import i18n
from learning.models import DeliveryLevel, KnowledgePage, Organisation, Region, Theme
from projects.models import HighImpactProjectPage, SavingsRecord, Sector

# Marked for translation here and translated where shown (`counting_rules`), so that the
# English text stays plain strings for anything that compares or quotes it.
COUNTING_RULES = [
    gettext_noop(
        "Each savings record is counted once, for the page that reported it. A page with several "
        "themes or places counts in each of them, so the totals for themes or regions add up to "
        "more than the programme total."
    ),
    gettext_noop(
        "A record marked as the same saving as one already recorded elsewhere is listed but not "
        "added, so a saving reported by both a project and a case study counts once."
    ),
    gettext_noop(
        "Per-year, one-off and multi-year figures are added up separately. Nothing is converted "
        "into a yearly figure: a saving over five years stays a five-year figure."
    ),
    gettext_noop(
        "A range adds its low figure to the low total and its high figure to the high total. A "
        "single figure adds to both."
    ),
    gettext_noop("Only records on pages you can see are counted."),
]


def counting_rules() -> list[str]:
    """`COUNTING_RULES` in the active language, for the pages that print them."""
    return [gettext(rule) for rule in COUNTING_RULES]


# Column order everywhere: the yearly figure people compare first, then one-off, then multi-year.
PERIODS = [
    SavingsRecord.Period.PER_YEAR,
    SavingsRecord.Period.ONE_OFF,
    SavingsRecord.Period.OVER_YEARS,
]
NOT_STATED = "none"


class FilterError(ValueError):
    """A filter value the dashboard does not know; the message says which and why."""


# What the filters are called where people see them: the "Showing" list and error messages.
FILTER_LABELS = {
    "theme": gettext_lazy("Theme"),
    "region": gettext_lazy("Region"),
    "organisation": gettext_lazy("Organisation"),
    "project": gettext_lazy("Project"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "period": gettext_lazy("Period"),
    "level": gettext_lazy("Level"),
    "paid_by": gettext_lazy("Paid by"),
    "benefits": pgettext_lazy("the sector a saving benefits", "Benefits"),
}
# Translators: completes "'x' is not a ...: use a, b, c."
FILTER_NAMES = {
    "kind": gettext_lazy("kind"),
    "status": gettext_lazy("status"),
    "period": gettext_lazy("period"),
    "level": gettext_lazy("level"),
    "paid_by": gettext_lazy("paid by"),
    "benefits": gettext_lazy("benefits"),
}
FILTER_ERRORS = {
    "theme": gettext_lazy("There is no theme called '%(slug)s'."),
    "region": gettext_lazy("There is no region called '%(slug)s'."),
    "organisation": gettext_lazy("There is no organisation called '%(slug)s'."),
}


@dataclass
class Money:
    """A running total of records in one period: a range, the count, and years for multi-year."""

    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    count: int = 0
    min_years: int | None = None
    max_years: int | None = None

    def add(self, record: SavingsRecord) -> None:
        self.low += record.amount
        self.high += record.amount_high if record.amount_high is not None else record.amount
        self.count += 1
        if record.years:
            self.min_years = min(self.min_years or record.years, record.years)
            self.max_years = max(self.max_years or record.years, record.years)

    @property
    def is_range(self) -> bool:
        return self.high != self.low

    @property
    def label(self) -> str:
        """£1.2m, or £1.2m to £1.5m for a range."""
        if not self.count:
            return gettext("None")
        low = SavingsRecord.format_pounds(self.low)
        if not self.is_range:
            return low
        # Translators: a range of money, e.g. "£1.2m to £1.5m".
        return gettext("%(low)s to %(high)s") % {
            "low": low,
            "high": SavingsRecord.format_pounds(self.high),
        }

    @property
    def years_label(self) -> str:
        if self.min_years is None:
            return ""
        if self.min_years == self.max_years:
            return ngettext("over %(years)d year", "over %(years)d years", self.min_years) % {
                "years": self.min_years
            }
        return ngettext(
            "over %(low)d to %(high)d year", "over %(low)d to %(high)d years", self.max_years
        ) % {"low": self.min_years, "high": self.max_years}


@dataclass
class Row:
    """One line of a breakdown: a value of the dimension and its money in each period."""

    value: str
    label: str
    money: dict[str, Money] = field(default_factory=lambda: {p.value: Money() for p in PERIODS})
    url: str = ""

    @property
    def count(self) -> int:
        return sum(m.count for m in self.money.values())

    def cells(self) -> list[tuple[str, Money, str]]:
        """(period, money, link to the records behind it) in column order."""
        return [(p.value, self.money[p.value], self.period_urls.get(p.value, "")) for p in PERIODS]

    period_urls: dict[str, str] = field(default_factory=dict)


@dataclass
class Breakdown:
    """Totals by one dimension (kind, status, level, who pays, who benefits)."""

    dimension: str
    title: str
    rows: list[Row]
    total: Row
    #: The heading of the table's first column ("Kind of saving"); the title without "By".
    heading: str = ""


@dataclass
class Summary:
    """Everything the dashboard shows for one selection of records."""

    records: list[SavingsRecord]
    counted: list[SavingsRecord]
    duplicates: list[SavingsRecord]
    total: Row
    breakdowns: list[Breakdown]
    flows: list[dict]
    cross_sector: Row
    pages: int

    @property
    def is_empty(self) -> bool:
        return not self.records

    def breakdown(self, dimension: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.dimension == dimension)


@dataclass
class Filters:
    """What the dashboard and the records list are narrowed to; parsed from a query string."""

    theme: Theme | None = None
    region: Region | None = None
    organisation: Organisation | None = None
    project: HighImpactProjectPage | None = None
    kind: str = ""
    status: str = ""
    period: str = ""
    level: str = ""  # a level slug, or NOT_STATED
    paid_by: str = ""  # a sector, or NOT_STATED
    benefits: str = ""

    SCOPES = ("theme", "region", "organisation", "project")
    FIELDS = ("kind", "status", "period", "level", "paid_by", "benefits")

    @classmethod
    def from_query(cls, params, user: User | AnonymousUser | None = None) -> Filters:
        """Parse `?theme=slug&kind=cashable...`; raise FilterError naming a bad value."""
        filters = cls()
        lookups = {"theme": Theme, "region": Region, "organisation": Organisation}
        for name, model in lookups.items():
            slug = (params.get(name) or "").strip()
            if slug:
                obj = model.objects.filter(slug=slug).first()
                if obj is None:
                    raise FilterError(FILTER_ERRORS[name] % {"slug": slug})
                setattr(filters, name, obj)
        project = (params.get("project") or "").strip()
        if project:
            found = (
                HighImpactProjectPage.objects.visible_to(user).filter(pk=project).first()
                if project.isdigit()
                else None
            )
            if found is None:
                raise FilterError(
                    gettext("There is no project with the id '%(id)s'.") % {"id": project}
                )
            filters.project = found
        allowed = {
            "kind": {c.value for c in SavingsRecord.Kind},
            "status": {c.value for c in SavingsRecord.Status},
            "period": {c.value for c in SavingsRecord.Period},
            "paid_by": {c.value for c in Sector} | {NOT_STATED},
            "benefits": {c.value for c in Sector} | {NOT_STATED},
            "level": set(DeliveryLevel.objects.values_list("slug", flat=True)) | {NOT_STATED},
        }
        for name in cls.FIELDS:
            value = (params.get(name) or "").strip()
            if value and value not in allowed[name]:
                choices = ", ".join(sorted(allowed[name]))
                raise FilterError(
                    gettext("'%(value)s' is not a %(filter)s: use %(choices)s.")
                    % {"value": value, "filter": FILTER_NAMES[name], "choices": choices}
                )
            setattr(filters, name, value)
        return filters

    def query(self, **changes: str) -> dict[str, str]:
        """These filters as query-string values, with some changed (empty removes one)."""
        values = {
            "theme": self.theme.slug if self.theme else "",
            "region": self.region.slug if self.region else "",
            "organisation": self.organisation.slug if self.organisation else "",
            "project": str(self.project.pk) if self.project else "",
        }
        values.update({name: getattr(self, name) for name in self.FIELDS})
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    def url(self, base: str, **changes: str) -> str:
        query = self.query(**changes)
        return f"{base}?{urlencode(query)}" if query else base

    @property
    def scope_label(self) -> str:
        """'the Frail elderly theme', 'Wales' ... or 'the whole programme'."""
        parts = []
        if self.theme:
            # Translators: completes "Savings reported for ..." and "No savings ... for ... yet".
            parts.append(gettext("the %(theme)s theme") % {"theme": self.theme.display_name})
        if self.region:
            parts.append(self.region.display_name)
        if self.organisation:
            parts.append(self.organisation.name)
        if self.project:
            parts.append(self.project.title)
        return ", ".join(parts) if parts else gettext("the whole programme")

    def active(self, base: str) -> list[tuple[str, str, str]]:
        """(name, shown value, URL of `base` without it) for each filter in use."""
        out = []
        shown = {
            "theme": self.theme.display_name if self.theme else "",
            "region": self.region.display_name if self.region else "",
            "organisation": self.organisation.name if self.organisation else "",
            "project": self.project.title if self.project else "",
            "kind": SavingsRecord.Kind(self.kind).label if self.kind else "",
            "status": SavingsRecord.Status(self.status).label if self.status else "",
            "period": SavingsRecord.Period(self.period).label if self.period else "",
            "level": _level_label(self.level),
            "paid_by": _sector_label(self.paid_by),
            "benefits": _sector_label(self.benefits),
        }
        for name in (*self.SCOPES, *self.FIELDS):
            if shown[name]:
                out.append((str(FILTER_LABELS[name]), shown[name], self.url(base, **{name: ""})))
        return out


def _sector_label(value: str) -> str:
    if not value:
        return ""
    return gettext("Not stated") if value == NOT_STATED else str(Sector(value).label)


def _level_label(value: str) -> str:
    if not value:
        return ""
    if value == NOT_STATED:
        return gettext("Not stated")
    level = DeliveryLevel.objects.filter(slug=value).first()
    return level.name if level else value


def select_records(user: User | AnonymousUser | None, filters: Filters | None = None) -> QuerySet:
    """The savings records behind a picture: on visible pages, narrowed by the filters."""
    filters = filters or Filters()
    # Figures are counted once, on the English pages (a Welsh translation is a copy).
    pages = i18n.source_pages(KnowledgePage.objects.visible_to(user))
    if filters.theme:
        pages = pages.filter(
            pk__in=KnowledgePage.themes.through.objects.filter(theme=filters.theme).values(
                "knowledgepage_id"
            )
        )
    if filters.region:
        places = Region.descendant_ids_of([filters.region.pk])
        pages = pages.filter(
            pk__in=KnowledgePage.regions.through.objects.filter(region_id__in=places).values(
                "knowledgepage_id"
            )
        )
    if filters.organisation:
        involved = KnowledgePage.organisations.through.objects.filter(
            organisation=filters.organisation
        ).values("knowledgepage_id")
        pages = pages.filter(
            Q(pk__in=involved) | Q(highimpactprojectpage__lead_organisation=filters.organisation)
        )
    if filters.project:
        pages = pages.filter(pk=i18n.source_page(filters.project).pk)
    records = SavingsRecord.objects.filter(page__in=pages.values("pk"))
    for name in ("kind", "status", "period"):
        if getattr(filters, name):
            records = records.filter(**{name: getattr(filters, name)})
    for name in ("paid_by", "benefits"):
        value = getattr(filters, name)
        if value:
            records = records.filter(**{name: "" if value == NOT_STATED else value})
    if filters.level == NOT_STATED:
        records = records.filter(delivery_level__isnull=True, page__delivery_level__isnull=True)
    elif filters.level:
        records = records.filter(
            Q(delivery_level__slug=filters.level)
            | Q(delivery_level__isnull=True, page__delivery_level__slug=filters.level)
        )
    return records.select_related(
        "page", "delivery_level", "page__delivery_level", "duplicate_of__page"
    ).order_by("page__title", "sort_order", "pk")


def effective_level(record: SavingsRecord) -> DeliveryLevel | None:
    """The level a saving is made at: its own, or else its page's."""
    return record.delivery_level or record.page.delivery_level


def _dimension_values(dimension: str, records: Iterable[SavingsRecord]) -> list[tuple[str, str]]:
    """(value, label) rows of a breakdown, in a stable, meaningful order."""
    if dimension == "kind":
        return [(c.value, c.label) for c in SavingsRecord.Kind]
    if dimension == "status":
        return [(c.value, c.label) for c in SavingsRecord.Status]
    if dimension == "level":
        levels = [(lvl.slug, lvl.name) for lvl in DeliveryLevel.objects.order_by("order", "name")]
        return levels + [(NOT_STATED, gettext("Not stated"))]
    used = {getattr(r, dimension) or NOT_STATED for r in records}
    sectors = [(c.value, c.label) for c in Sector if c.value in used]
    return sectors + ([(NOT_STATED, gettext("Not stated"))] if NOT_STATED in used else [])


def _value_of(dimension: str, record: SavingsRecord) -> str:
    if dimension == "level":
        level = effective_level(record)
        return level.slug if level else NOT_STATED
    return getattr(record, dimension) or NOT_STATED


#: (dimension, title, heading of its first column).
BREAKDOWNS = [
    ("kind", gettext_lazy("By kind of saving"), gettext_lazy("Kind of saving")),
    ("status", gettext_lazy("By status"), gettext_lazy("Status")),
    ("level", gettext_lazy("By delivery level"), gettext_lazy("Delivery level")),
    ("paid_by", gettext_lazy("By the sector that pays"), gettext_lazy("The sector that pays")),
    (
        "benefits",
        gettext_lazy("By the sector that benefits"),
        gettext_lazy("The sector that benefits"),
    ),
]


def summarise(
    records: Iterable[SavingsRecord],
    filters: Filters | None = None,
    records_url: str = "",
    breakdowns: bool = True,
) -> Summary:
    """Add up records by period and by each dimension, following `COUNTING_RULES`.

    `breakdowns=False` gives the totals alone, for the brief panels on other pages, which
    show no breakdown and so need not look the delivery levels up.
    """
    filters = filters or Filters()
    records = list(records)
    counted = [r for r in records if r.duplicate_of_id is None]
    duplicates = [r for r in records if r.duplicate_of_id is not None]

    def link(**changes: str) -> str:
        return filters.url(records_url, **changes) if records_url else ""

    total = Row("", gettext("All records"))
    for record in counted:
        total.money[record.period].add(record)
    total.period_urls = {p.value: link(period=p.value) for p in PERIODS}
    total.url = link()

    dimensions = BREAKDOWNS if breakdowns else []
    tables: list[Breakdown] = []
    for dimension, title, heading in dimensions:
        rows = {value: Row(value, label) for value, label in _dimension_values(dimension, counted)}
        for record in counted:
            rows[_value_of(dimension, record)].money[record.period].add(record)
        for row in rows.values():
            row.url = link(**{dimension: row.value})
            row.period_urls = {
                p.value: link(**{dimension: row.value, "period": p.value}) for p in PERIODS
            }
        if dimension in ("paid_by", "benefits"):
            kept = [row for row in rows.values() if row.count]
        else:
            kept = [row for row in rows.values() if row.count or row.value != NOT_STATED]
        tables.append(Breakdown(dimension, title, kept, total, heading))

    # Who pays and who benefits: the Total Place finding that savings often land elsewhere.
    flows: dict[tuple[str, str], Row] = {}
    cross_sector = Row(
        "cross", gettext("Saving lands with a different sector from the one that pays")
    )
    for record in counted:
        key = (record.paid_by or NOT_STATED, record.benefits or NOT_STATED)
        if key not in flows:
            flows[key] = Row(
                f"{key[0]}>{key[1]}", f"{_sector_label(key[0])} → {_sector_label(key[1])}"
            )
            flows[key].url = link(paid_by=key[0], benefits=key[1])
        flows[key].money[record.period].add(record)
        if record.paid_by and record.benefits and record.paid_by != record.benefits:
            cross_sector.money[record.period].add(record)
    flow_rows = [
        {
            "paid_by": _sector_label(paid_by),
            "benefits": _sector_label(benefits),
            "row": row,
            "crosses": paid_by != benefits and NOT_STATED not in (paid_by, benefits),
        }
        for (paid_by, benefits), row in sorted(
            flows.items(), key=lambda item: (-item[1].count, item[0])
        )
    ]
    return Summary(
        records=records,
        counted=counted,
        duplicates=duplicates,
        total=total,
        breakdowns=tables,
        flows=flow_rows,
        cross_sector=cross_sector,
        pages=len({r.page_id for r in counted}),
    )


def bar_chart(breakdown: Breakdown, period: str = SavingsRecord.Period.PER_YEAR) -> dict:
    """Geometry for a horizontal bar chart of one period of a breakdown, drawn as SVG.

    Bars are scaled to the largest high figure; the low figure is drawn solid and the rest of a
    range lighter, so a range is seen as a range. The table beside the chart has the numbers.
    """
    rows = [row for row in breakdown.rows if row.money[period].count]
    top = max((row.money[period].high for row in rows), default=Decimal(0))
    label_width, bar_width, row_height = 220, 360, 34
    bars = []
    for n, row in enumerate(rows):
        money = row.money[period]
        low = float(money.low / top * bar_width) if top else 0.0
        high = float(money.high / top * bar_width) if top else 0.0
        bars.append(
            {
                "label": row.label,
                "value": money.label,
                "count": money.count,
                "y": n * row_height,
                "text_y": n * row_height + 21,
                "low": round(max(low, 1.0), 1),
                "high": round(max(high, 1.0), 1),
                "range": round(max(high - low, 0.0), 1),
                "is_range": money.is_range,
                "value_x": round(label_width + max(high, 1.0) + 8, 1),
            }
        )
    return {
        "bars": bars,
        "label_width": label_width,
        "width": label_width + bar_width + 140,
        "height": max(len(bars), 1) * row_height,
        "period_label": str(SavingsRecord.Period(period).label).lower(),
    }
