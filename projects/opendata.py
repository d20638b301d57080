"""Open data: the rows and columns behind /data/, defined once for the files and their dictionary.

Each download is a `Dataset`: a list of `Column`s (name, type, meaning, allowed values and how
to read the value from a record) and the query that selects the records. The CSV and JSON
writers and the data dictionary page all read the same columns, so the dictionary can never
describe a column the files do not have, or miss one they do.

Everything here is built as for an anonymous visitor (`visible_to(AnonymousUser())`), whoever
asks: the downloads are public content only, the same for everyone, and safe to cache. Page
references (methods used, what was reused or adapted) are filtered the same way, so a public
project never names a restricted page.

The files are written row by row from a chunked query with every many-to-many prefetched, so
the number of queries depends on the number of chunks, not the number of rows.

The words (titles, meanings, allowed values) are translatable for the data dictionary page, but
the files themselves are always written in the site's own language (English): they are the same
for everyone, cached publicly, and their addresses carry no language.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from cop_site import i18n
from learning.models import (
    CaseStudyPage,
    DeliveryLevel,
    KnowledgePage,
    KnowledgePageTag,
    MethodPage,
    ReuseLink,
    Theme,
    TransformationModel,
)
from learning.search_sources import PAGE_KINDS
from projects.models import HighImpactProjectPage, SavingsRecord, Sector

LICENCE = {
    "name": gettext_lazy("Open Government Licence v3.0"),
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "statement": gettext_lazy(
        "You may copy, publish, distribute, transmit and adapt this data, and "
        "exploit it commercially and non-commercially, under the terms of the Open Government "
        "Licence v3.0. Acknowledge the source: Public Service Learning Exchange."
    ),
}
PUBLIC_ONLY = gettext_lazy(
    "Public content only: the files are built as for a visitor who is not signed in, "
    "whoever downloads them. Pages for members or groups, drafts and anything they contain "
    "are never included. There is no personal data: contacts are roles and teams, not people."
)
LIST_SEPARATOR = ";"
CHUNK_SIZE = 500

# The types a column can have, and how each is written (the dictionary page shows this). The
# keys are what the JSON files say; TYPE_LABELS names them on the page in the reader's language.
TYPES = {
    "integer": gettext_lazy("A whole number, digits only (no commas, no £ sign)."),
    "text": gettext_lazy("Text, as entered on the site."),
    "slug": gettext_lazy(
        "A short name from the site's shared vocabulary (lower case, digits and hyphens)."
    ),
    "URL": gettext_lazy("A full web address."),
    "date": gettext_lazy("A date as YYYY-MM-DD."),
    "date and time": gettext_lazy(
        "A date and time in ISO 8601 with the UTC offset, e.g. 2011-03-31T09:00:00+00:00."
    ),
    # Translators: true and false are written in English in the files; keep them as they are.
    "true or false": gettext_lazy("true or false."),
    "list of slugs": gettext_lazy(
        "Several slugs: a JSON list, or in CSV joined by ';' with no spaces."
    ),
    "list of URLs": gettext_lazy("Several web addresses: a JSON list, or in CSV joined by ';'."),
}
TYPE_LABELS = {
    "integer": gettext_lazy("integer"),
    "text": gettext_lazy("text"),
    "slug": gettext_lazy("slug"),
    "URL": gettext_lazy("URL"),
    "date": gettext_lazy("date"),
    "date and time": gettext_lazy("date and time"),
    "true or false": gettext_lazy("true or false"),
    "list of slugs": gettext_lazy("list of slugs"),
    "list of URLs": gettext_lazy("list of URLs"),
    "list": gettext_lazy("list"),
}


def in_file_language() -> translation.override:
    """The language every file is written in, whoever asks: the site's own (see above)."""
    return translation.override(settings.LANGUAGE_CODE)


def anonymous() -> AnonymousUser:
    """The person every download is built for, whoever asks."""
    return AnonymousUser()


def choices_text(choices: Iterable[tuple[str, str]]) -> Callable[[], str]:
    """Allowed values of a choice field, with what each means: "a (A); b (B)".

    Worked out when the dictionary is shown, so the meanings are in the reader's language.
    """
    choices = list(choices)

    def allowed() -> str:
        return "; ".join(f"{value} ({label})" for value, label in choices if value)

    return allowed


def slugs_text(model: Any, intro: str) -> Callable[[], str]:
    """Allowed values read from a vocabulary table when the dictionary is shown."""

    def allowed() -> str:
        slugs = list(model.objects.values_list("slug", flat=True))
        if slugs:
            return f"{intro}: {', '.join(slugs)}."
        # Translators: "intro" names a vocabulary, e.g. "Theme slugs".
        return gettext("%(intro)s (none yet).") % {"intro": intro}

    return allowed


@dataclass(frozen=True)
class Column:
    """One column of a download: what it is called, holds and means, and how to read it."""

    name: str
    type: str
    meaning: str
    get: Callable[[Any, Builder], Any]
    allowed: str | Callable[[], str] = ""
    optional: bool = True

    def allowed_text(self) -> str:
        """The allowed values in words (some are read from the vocabulary tables)."""
        return self.allowed() if callable(self.allowed) else self.allowed


@dataclass
class Builder:
    """What rows are built with: the request, for absolute URLs on the site being asked."""

    request: HttpRequest

    def url(self, page: Any) -> str:
        """The page's full address on this site."""
        return self.request.build_absolute_uri(page.get_url(request=self.request) or "/")


@dataclass(frozen=True)
class Dataset:
    """One download (as CSV and JSON) and its columns."""

    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    queryset: Callable[[], QuerySet]

    @property
    def filenames(self) -> tuple[str, str]:
        return (f"{self.slug}.csv", f"{self.slug}.json")

    def rows(self, request: HttpRequest) -> Iterator[dict[str, Any]]:
        """Each record as {column name: value}, values as JSON has them."""
        builder = Builder(request)
        for obj in self.queryset().iterator(chunk_size=CHUNK_SIZE):
            yield {column.name: column.get(obj, builder) for column in self.columns}


# --- Values -------------------------------------------------------------------------------


def csv_value(value: Any) -> str:
    """A JSON value as it is written in CSV: lists joined by ';', nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(csv_value(item) for item in value)
    return str(value)


def integer(value: Decimal | int | None) -> int | None:
    """Money and counts as plain integers, so they round-trip through CSV and JSON exactly."""
    return None if value is None else int(value)


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return value.isoformat()


def slugs(items: Iterable[Any]) -> list[str]:
    return [item.slug for item in items]


def slug_of(item: Any) -> str | None:
    return item.slug if item is not None else None


def tag_slugs(page: KnowledgePage) -> list[str]:
    return sorted(item.tag.slug for item in page.tagged_items.all())


def reused_urls(relation: str) -> Callable[[KnowledgePage, Builder], list[str]]:
    def get(page: KnowledgePage, builder: Builder) -> list[str]:
        return [builder.url(link.source) for link in page.reuses.all() if link.relation == relation]

    return get


def page_kind(page: KnowledgePage) -> str:
    """project, case-study, learning-history or method: the same words search uses."""
    label = page.specific_class._meta.label if page.specific_class else ""
    return PAGE_KINDS.get(label, ("page", ""))[0]


# --- Knowledge pages (projects and case studies) --------------------------------------------


def knowledge_queryset(model: type[KnowledgePage]) -> QuerySet:
    """Public pages of one type, with every list a row needs fetched in a few queries."""
    public = KnowledgePage.objects.visible_to(anonymous())
    return (
        model.objects.visible_to(anonymous())
        .select_related("delivery_level")
        .prefetch_related(
            "themes",
            "regions",
            "organisations",
            "service_functions",
            Prefetch(
                "methods_used",
                queryset=MethodPage.objects.visible_to(anonymous()).order_by("title"),
            ),
            Prefetch(
                "reuses",
                queryset=ReuseLink.objects.filter(source__in=public.values("pk"))
                .select_related("source")
                .order_by("sort_order", "pk"),
            ),
            Prefetch("tagged_items", queryset=KnowledgePageTag.objects.select_related("tag")),
        )
        .annotate(savings_record_count=Count("savings_records", distinct=True))
        .order_by("pk")
    )


def page_url(page: Any, builder: Builder) -> str:
    return builder.url(page)


# What the columns that name the kind of page say, per kind: whole sentences, for translation.
KIND_MEANINGS = {
    "project": {
        "id": gettext_lazy(
            "The project's page id: the same id as in the Wagtail API "
            "(/api/v2/pages/<id>/) and in the page_id column of savings."
        ),
        "title": gettext_lazy("The project's title."),
        "url": gettext_lazy("The project's page on this site."),
        "delivery_level": gettext_lazy("The level the project is delivered at."),
    },
    "case study": {
        "id": gettext_lazy(
            "The case study's page id: the same id as in the Wagtail API "
            "(/api/v2/pages/<id>/) and in the page_id column of savings."
        ),
        "title": gettext_lazy("The case study's title."),
        "url": gettext_lazy("The case study's page on this site."),
        "delivery_level": gettext_lazy("The level the case study is delivered at."),
    },
}


def head_columns(kind: str) -> list[Column]:
    """The columns every page download starts with: which page it is and what it is about."""
    meanings = KIND_MEANINGS[kind]
    return [
        Column("id", "integer", meanings["id"], lambda p, b: p.pk, optional=False),
        Column("title", "text", meanings["title"], lambda p, b: p.title, optional=False),
        Column("url", "URL", meanings["url"], page_url, optional=False),
        Column(
            "summary",
            "text",
            gettext_lazy("One or two sentences saying what it is."),
            lambda p, b: p.summary,
        ),
        Column(
            "themes",
            "list of slugs",
            gettext_lazy("The policy themes it is about."),
            lambda p, b: slugs(p.themes.all()),
            slugs_text(Theme, gettext_lazy("Theme slugs")),
        ),
        Column(
            "regions",
            "list of slugs",
            gettext_lazy(
                "The places it covers, as recorded: a local area is not repeated as the region "
                "and nation around it. The regions pages show the places."
            ),
            lambda p, b: slugs(p.regions.all()),
        ),
    ]


def tail_columns(kind: str) -> list[Column]:
    """The columns every page download ends with: level, functions, years, reuse, dates."""
    return [
        Column(
            "delivery_level",
            "slug",
            KIND_MEANINGS[kind]["delivery_level"],
            lambda p, b: slug_of(p.delivery_level),
            slugs_text(DeliveryLevel, gettext_lazy("Delivery level slugs")),
        ),
        Column(
            "service_functions",
            "list of slugs",
            gettext_lazy(
                "The service functions it delivers (see 'What is delivered at which level')."
            ),
            lambda p, b: slugs(p.service_functions.all()),
        ),
        Column(
            "year_start",
            "integer",
            gettext_lazy("The year the work started."),
            lambda p, b: p.year_start,
        ),
        Column(
            "year_end",
            "integer",
            gettext_lazy("The year it ended; empty while it is still going."),
            lambda p, b: p.year_end,
        ),
        Column(
            "methods_used",
            "list of URLs",
            gettext_lazy("Public pages of the methods from the methods library that it used."),
            lambda p, b: [b.url(m) for m in p.methods_used.all()],
        ),
        Column(
            "reused_from",
            "list of URLs",
            gettext_lazy("Public pages of the methods and case studies it reused as they were."),
            reused_urls(ReuseLink.Relation.REUSED),
        ),
        Column(
            "adapted_from",
            "list of URLs",
            gettext_lazy("Public pages of the methods and case studies it adapted for its place."),
            reused_urls(ReuseLink.Relation.ADAPTED),
        ),
        Column(
            "tags",
            "list of slugs",
            gettext_lazy("Free keywords; each has a page at /tags/<slug>/."),
            lambda p, b: tag_slugs(p),
        ),
        Column(
            "savings_record_count",
            "integer",
            gettext_lazy(
                "How many savings records the page reports. The records themselves are in "
                "savings.csv and savings.json (match page_id to id)."
            ),
            lambda p, b: p.savings_record_count,
            optional=False,
        ),
        Column(
            "first_published",
            "date and time",
            gettext_lazy("When the page was first published."),
            lambda p, b: iso(p.first_published_at),
        ),
        Column(
            "last_published",
            "date and time",
            gettext_lazy("When the page was last published (changed)."),
            lambda p, b: iso(p.last_published_at),
        ),
    ]


PROJECT_COLUMNS = (
    *head_columns("project"),
    Column(
        "status",
        "text",
        gettext_lazy("Where the project is."),
        lambda p, b: p.status,
        choices_text(HighImpactProjectPage.Status.choices),
        optional=False,
    ),
    Column(
        "lead_organisation",
        "slug",
        gettext_lazy(
            "The organisation that leads the project and is accountable for it (organisation "
            "pages are at /organisations/<slug>/)."
        ),
        lambda p, b: slug_of(p.lead_organisation),
        optional=False,
    ),
    Column(
        "lead_is_illustrative",
        "true or false",
        gettext_lazy(
            "true when the lead shown is illustrative rather than confirmed (the source report "
            "names no lead body)."
        ),
        lambda p, b: p.lead_is_illustrative,
        "true; false",
        optional=False,
    ),
    Column(
        "organisations",
        "list of slugs",
        gettext_lazy("The partner organisations taking part."),
        lambda p, b: slugs(p.organisations.all()),
    ),
    Column(
        "lead_role",
        "text",
        gettext_lazy("The project lead's role (not a name)."),
        lambda p, b: p.lead_role,
    ),
    Column(
        "manager_role",
        "text",
        gettext_lazy("The project manager's role (not a name)."),
        lambda p, b: p.manager_role,
    ),
    Column(
        "contact_route",
        "text",
        gettext_lazy("How to get in touch, by role or team. Never a personal address."),
        lambda p, b: p.contact_route,
    ),
    *tail_columns("project"),
)


def project_queryset() -> QuerySet:
    return knowledge_queryset(HighImpactProjectPage).select_related("lead_organisation")


CASE_STUDY_COLUMNS = (
    *head_columns("case study"),
    Column(
        "place",
        "slug",
        gettext_lazy("The place where it happened."),
        lambda p, b: slug_of(p.place),
    ),
    Column(
        "organisations",
        "list of slugs",
        gettext_lazy(
            "The organisations that did the work or took part (organisation pages are at "
            "/organisations/<slug>/)."
        ),
        lambda p, b: slugs(p.organisations.all()),
    ),
    Column(
        "transformation_model",
        "slug",
        gettext_lazy(
            "The whole-council transformation model it best illustrates (LGA report), if any."
        ),
        lambda p, b: slug_of(p.transformation_model),
        slugs_text(TransformationModel, gettext_lazy("Transformation model slugs")),
    ),
    Column(
        "contact_route",
        "text",
        gettext_lazy("How to get in touch, by role and organisation. Never a personal address."),
        lambda p, b: p.contact_route,
    ),
    Column(
        "source",
        "text",
        gettext_lazy("Where the account comes from: the report and its section."),
        lambda p, b: p.source,
    ),
    *tail_columns("case study"),
)


def case_study_queryset() -> QuerySet:
    return knowledge_queryset(CaseStudyPage).select_related("place", "transformation_model")


# --- Savings records ----------------------------------------------------------------------


def effective_level(record: SavingsRecord) -> tuple[str | None, str | None]:
    """The level a saving is made at: its own, or else its page's; and which one it was."""
    if record.delivery_level is not None:
        return record.delivery_level.slug, "record"
    if record.page.delivery_level is not None:
        return record.page.delivery_level.slug, "page"
    return None, None


def savings_queryset() -> QuerySet:
    """Every savings record on a public page, in page order then as the page lists them.

    `duplicate_is_public` says whether the record a duplicate points at is itself in the
    file, so the file never names a record on a page it leaves out.
    """
    public = i18n.source_pages(KnowledgePage.objects.visible_to(anonymous()))
    return (
        SavingsRecord.objects.filter(page__in=public.values("pk"))
        .select_related("page", "page__delivery_level", "delivery_level")
        .annotate(duplicate_is_public=Exists(public.filter(pk=OuterRef("duplicate_of__page_id"))))
        .order_by("page_id", "sort_order", "pk")
    )


SAVINGS_COLUMNS = (
    Column(
        "record_id",
        "integer",
        gettext_lazy("The savings record's id (the same id as in /api/v2/savings/)."),
        lambda r, b: r.pk,
        optional=False,
    ),
    Column(
        "page_id",
        "integer",
        gettext_lazy(
            "The id of the project or case study that reported it (the id column of "
            "projects and case-studies)."
        ),
        lambda r, b: r.page_id,
        optional=False,
    ),
    Column(
        "page_title",
        "text",
        gettext_lazy("That page's title."),
        lambda r, b: r.page.title,
        optional=False,
    ),
    Column(
        "page_url",
        "URL",
        gettext_lazy("That page on this site."),
        lambda r, b: b.url(r.page),
        optional=False,
    ),
    Column(
        "page_type",
        "text",
        gettext_lazy("What kind of page reported it."),
        lambda r, b: page_kind(r.page),
        "project; case-study; learning-history; method",
        optional=False,
    ),
    Column(
        "description",
        "text",
        gettext_lazy("What the saving is."),
        lambda r, b: r.description,
        optional=False,
    ),
    Column(
        "amount",
        "integer",
        gettext_lazy("The saving in pounds; for a range, the low figure."),
        lambda r, b: integer(r.amount),
        gettext_lazy("0 or more"),
        optional=False,
    ),
    Column(
        "amount_high",
        "integer",
        gettext_lazy("Only for a range: the high figure in pounds. Empty for a single figure."),
        lambda r, b: integer(r.amount_high),
        gettext_lazy("At least amount"),
    ),
    Column(
        "kind",
        "text",
        gettext_lazy("What sort of money it is."),
        lambda r, b: r.kind,
        choices_text(SavingsRecord.Kind.choices),
        optional=False,
    ),
    Column(
        "period",
        "text",
        gettext_lazy(
            "What time the figure covers. Figures are never converted into each other: add up "
            "per-year, one-off and multi-year figures separately."
        ),
        lambda r, b: r.period,
        choices_text(SavingsRecord.Period.choices),
        optional=False,
    ),
    Column(
        "years",
        "integer",
        gettext_lazy("Only for over_years: over how many years."),
        lambda r, b: r.years,
        gettext_lazy("1 or more"),
    ),
    Column(
        "status",
        "text",
        gettext_lazy("How firm the figure is."),
        lambda r, b: r.status,
        choices_text(SavingsRecord.Status.choices),
        optional=False,
    ),
    Column(
        "paid_by",
        "text",
        gettext_lazy("The sector that invests or changes its service."),
        lambda r, b: r.paid_by or None,
        choices_text(Sector.choices),
    ),
    Column(
        "benefits",
        "text",
        gettext_lazy(
            "The sector where the saving lands (Total Place: often not the one that pays)."
        ),
        lambda r, b: r.benefits or None,
        choices_text(Sector.choices),
    ),
    Column(
        "delivery_level",
        "slug",
        gettext_lazy(
            "The level the saving is made at: the record's own level if it gives one, otherwise "
            "the level of the page that reported it."
        ),
        lambda r, b: effective_level(r)[0],
        slugs_text(DeliveryLevel, gettext_lazy("Delivery level slugs")),
    ),
    Column(
        "delivery_level_from",
        "text",
        gettext_lazy("Where delivery_level comes from: the record itself, or its page."),
        lambda r, b: effective_level(r)[1],
        "record; page",
    ),
    Column(
        "investment",
        "integer",
        gettext_lazy("Money put in to get this saving, in pounds, if known."),
        lambda r, b: integer(r.investment),
        gettext_lazy("0 or more"),
    ),
    Column(
        "start_date",
        "date",
        gettext_lazy("First day of the period the figure covers."),
        lambda r, b: iso(r.start_date),
    ),
    Column(
        "end_date",
        "date",
        gettext_lazy("Last day of the period the figure covers."),
        lambda r, b: iso(r.end_date),
    ),
    Column(
        "duplicate_of",
        "integer",
        gettext_lazy(
            "If this is the same saving as another record (say a case study reporting a "
            "project's saving), that record's record_id. Left empty when that record is not "
            "public; counted still says whether to add this one."
        ),
        lambda r, b: r.duplicate_of_id if r.duplicate_is_public else None,
    ),
    Column(
        "counted",
        "true or false",
        gettext_lazy(
            "false when the saving is already counted in another record, so that totals count "
            "it once, as the site's savings picture does. Add up only rows where counted is true."
        ),
        lambda r, b: r.duplicate_of_id is None,
        "true; false",
        optional=False,
    ),
    Column(
        "source",
        "text",
        gettext_lazy("Where the figure comes from: document, section and quote."),
        lambda r, b: r.source,
    ),
)


DATASETS: dict[str, Dataset] = {
    dataset.slug: dataset
    for dataset in (
        Dataset(
            "projects",
            gettext_lazy("High-impact projects"),
            gettext_lazy(
                "One row per public high-impact project: what it is, where, who leads it and "
                "what it reused."
            ),
            PROJECT_COLUMNS,
            project_queryset,
        ),
        Dataset(
            "case-studies",
            gettext_lazy("Case studies"),
            gettext_lazy(
                "One row per public case study: what a place did, where, with whom and what it "
                "reused."
            ),
            CASE_STUDY_COLUMNS,
            case_study_queryset,
        ),
        Dataset(
            "savings",
            gettext_lazy("Savings records"),
            gettext_lazy(
                "One row per savings figure reported on a public project or case study, exactly "
                "as reported: a range stays a range, nothing is annualised."
            ),
            SAVINGS_COLUMNS,
            savings_queryset,
        ),
    )
}


# --- The matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One key of matrix.json, for the data dictionary (the matrix is nested, not tabular)."""

    name: str
    type: str
    meaning: str
    allowed: str = ""

    def allowed_text(self) -> str:
        return self.allowed


MATRIX_FIELDS = (
    Field(
        "types",
        "list of slugs",
        gettext_lazy("The kinds of work counted."),
        "project; case-study; learning-history; method",
    ),
    Field("counted", "text", gettext_lazy("What the counts are of, in words.")),
    Field(
        "nations",
        "list",
        gettext_lazy("The nations, in column order, each with the columns it spans."),
    ),
    Field("nations[].slug", "slug", gettext_lazy("The nation's slug."), "wales; england"),
    Field("nations[].name", "text", gettext_lazy("The nation's name.")),
    Field(
        "nations[].span",
        "integer",
        gettext_lazy("How many columns belong to the nation: itself and its regions."),
    ),
    Field("columns", "list", gettext_lazy("The places counted: each nation, then its regions.")),
    Field("columns[].slug", "slug", gettext_lazy("The place's slug.")),
    Field("columns[].name", "text", gettext_lazy("The place's name.")),
    Field(
        "columns[].kind",
        "text",
        gettext_lazy("Whether the place is a nation or a region."),
        "nation; region",
    ),
    Field(
        "columns[].nation",
        "slug",
        gettext_lazy("The nation the place is in (itself for a nation)."),
    ),
    Field(
        "columns[].total",
        "integer",
        gettext_lazy(
            "How many pieces of work, in any theme, are filed under this place or a place "
            "inside it."
        ),
    ),
    Field(
        "columns[].url",
        "URL",
        gettext_lazy(
            "A search for those pieces; empty when there are too many themes to name in one search."
        ),
    ),
    Field("rows", "list", gettext_lazy("One row per theme, by name.")),
    Field("rows[].slug", "slug", gettext_lazy("The theme's slug.")),
    Field("rows[].name", "text", gettext_lazy("The theme's name.")),
    Field(
        "rows[].cells", "list", gettext_lazy("One cell per column, in the same order as columns.")
    ),
    Field(
        "rows[].cells[].column",
        "slug",
        gettext_lazy("The slug of the column (place) the cell is in."),
    ),
    Field(
        "rows[].cells[].count",
        "integer",
        gettext_lazy(
            "How many pieces of work in this theme are "
            "filed under this place or a place inside it. Local areas roll up into their region "
            "and nation; a piece with several places counts once in each column."
        ),
    ),
    Field("rows[].cells[].url", "URL", gettext_lazy("A search that finds exactly those pieces.")),
    Field(
        "rows[].total",
        "integer",
        gettext_lazy(
            "How many pieces of work in this theme have a place in Wales or England (each once)."
        ),
    ),
    Field("rows[].url", "URL", gettext_lazy("A search that finds them.")),
    Field(
        "total",
        "integer",
        gettext_lazy(
            "How many pieces of work have at least one theme and one place "
            "in Wales or England (each once)."
        ),
    ),
    Field(
        "url",
        "URL",
        gettext_lazy(
            "A search that finds them; empty when there are too many themes to name in one search."
        ),
    ),
)


def matrix_data(request: HttpRequest) -> dict[str, Any]:
    """The who-is-doing-what matrix, for an anonymous visitor, with full search addresses."""
    from projects.where import theme_region_matrix

    matrix = theme_region_matrix(anonymous())

    def absolute(url: str | None) -> str | None:
        return request.build_absolute_uri(url) if url else None

    for column in matrix["columns"]:
        column["url"] = absolute(column["url"])
    for row in matrix["rows"]:
        row["url"] = absolute(row["url"])
        for cell in row["cells"]:
            cell["url"] = absolute(cell["url"])
    matrix["url"] = absolute(matrix["url"])
    return matrix


# --- Writers ------------------------------------------------------------------------------


def header(request: HttpRequest, title: str, filename: str) -> dict[str, Any]:
    """What every JSON file starts with: what it is, its licence, where and when it was made.

    In the files' language whoever asks (`in_file_language`), as plain strings for JSON.
    """
    with in_file_language():
        licence = {key: str(value) for key, value in LICENCE.items()}
        title, note = str(title), str(PUBLIC_ONLY)
    return {
        "title": title,
        "licence": licence,
        "public_content_only": True,
        "note": note,
        "source": request.build_absolute_uri("/"),
        "download_url": request.build_absolute_uri(reverse("open_data_file", args=[filename])),
        "dictionary": request.build_absolute_uri(reverse("open_data") + "#dictionary"),
        "generated_at": iso(timezone.now()),
    }


def column_definitions(columns: Iterable[Column | Field]) -> list[dict[str, str]]:
    """The dictionary as the files carry it: in the files' language, as plain strings."""
    with in_file_language():
        return [
            {
                "name": column.name,
                "type": column.type,
                "meaning": str(column.meaning),
                "allowed": str(column.allowed_text()),
            }
            for column in columns
        ]


class _Line:
    """A file-like object that hands back what csv.writer writes, so rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_lines(dataset: Dataset, request: HttpRequest) -> Iterator[str]:
    """The CSV file, a line at a time: a header row, then one row per record (RFC 4180)."""
    writer = csv.writer(_Line())
    yield writer.writerow([column.name for column in dataset.columns])
    for row in dataset.rows(request):
        yield writer.writerow([csv_value(row[column.name]) for column in dataset.columns])


def json_chunks(dataset: Dataset, request: HttpRequest) -> Iterator[str]:
    """The JSON file in pieces: the header and column definitions, then the rows one by one."""
    head = header(request, dataset.title, dataset.filenames[1])
    with in_file_language():
        head["description"] = str(dataset.description)
    head["fields"] = column_definitions(dataset.columns)
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "rows": ['
    for index, row in enumerate(dataset.rows(request)):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


def matrix_json(request: HttpRequest) -> str:
    """matrix.json: the theme x place counts with the same header as the other files."""
    with in_file_language():
        document = header(
            request, gettext("Who is doing what, where: themes by place"), "matrix.json"
        )
        document["description"] = gettext(
            "How many public projects, case studies, learning histories and methods there are "
            "in each theme and place, as on the 'Who is doing what' page."
        )
        document["fields"] = column_definitions(MATRIX_FIELDS)
        document.update(matrix_data(request))
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
