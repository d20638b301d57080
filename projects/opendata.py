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
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

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
    "name": "Open Government Licence v3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "statement": "You may copy, publish, distribute, transmit and adapt this data, and "
    "exploit it commercially and non-commercially, under the terms of the Open Government "
    "Licence v3.0. Acknowledge the source: Public Service Learning Exchange.",
}
PUBLIC_ONLY = (
    "Public content only: the files are built as for a visitor who is not signed in, "
    "whoever downloads them. Pages for members or groups, drafts and anything they contain "
    "are never included. There is no personal data: contacts are roles and teams, not people."
)
LIST_SEPARATOR = ";"
CHUNK_SIZE = 500

# The types a column can have, and how each is written (the dictionary page shows this).
TYPES = {
    "integer": "A whole number, digits only (no commas, no £ sign).",
    "text": "Text, as entered on the site.",
    "slug": "A short name from the site's shared vocabulary (lower case, digits and hyphens).",
    "URL": "A full web address.",
    "date": "A date as YYYY-MM-DD.",
    "date and time": "A date and time in ISO 8601 with the UTC offset, e.g. "
    "2011-03-31T09:00:00+00:00.",
    "true or false": "true or false.",
    "list of slugs": "Several slugs: a JSON list, or in CSV joined by ';' with no spaces.",
    "list of URLs": "Several web addresses: a JSON list, or in CSV joined by ';'.",
}


def anonymous() -> AnonymousUser:
    """The person every download is built for, whoever asks."""
    return AnonymousUser()


def choices_text(choices: Iterable[tuple[str, str]]) -> str:
    """Allowed values of a choice field, with what each means: "a (A); b (B)"."""
    return "; ".join(f"{value} ({label})" for value, label in choices if value)


def slugs_text(model: Any, intro: str) -> Callable[[], str]:
    """Allowed values read from a vocabulary table when the dictionary is shown."""

    def allowed() -> str:
        slugs = list(model.objects.values_list("slug", flat=True))
        return f"{intro}: {', '.join(slugs)}." if slugs else f"{intro} (none yet)."

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


def head_columns(kind: str) -> list[Column]:
    """The columns every page download starts with: which page it is and what it is about."""
    return [
        Column(
            "id",
            "integer",
            f"The {kind}'s page id: the same id as in the Wagtail API "
            "(/api/v2/pages/<id>/) and in the page_id column of savings.",
            lambda p, b: p.pk,
            optional=False,
        ),
        Column("title", "text", f"The {kind}'s title.", lambda p, b: p.title, optional=False),
        Column("url", "URL", f"The {kind}'s page on this site.", page_url, optional=False),
        Column(
            "summary", "text", "One or two sentences saying what it is.", lambda p, b: p.summary
        ),
        Column(
            "themes",
            "list of slugs",
            "The policy themes it is about.",
            lambda p, b: slugs(p.themes.all()),
            slugs_text(Theme, "Theme slugs"),
        ),
        Column(
            "regions",
            "list of slugs",
            "The places it covers, as recorded: a local area is not repeated as the region "
            "and nation around it. The regions pages show the places.",
            lambda p, b: slugs(p.regions.all()),
        ),
    ]


def tail_columns(kind: str) -> list[Column]:
    """The columns every page download ends with: level, functions, years, reuse, dates."""
    return [
        Column(
            "delivery_level",
            "slug",
            f"The level the {kind} is delivered at.",
            lambda p, b: slug_of(p.delivery_level),
            slugs_text(DeliveryLevel, "Delivery level slugs"),
        ),
        Column(
            "service_functions",
            "list of slugs",
            "The service functions it delivers (see 'What is delivered at which level').",
            lambda p, b: slugs(p.service_functions.all()),
        ),
        Column("year_start", "integer", "The year the work started.", lambda p, b: p.year_start),
        Column(
            "year_end",
            "integer",
            "The year it ended; empty while it is still going.",
            lambda p, b: p.year_end,
        ),
        Column(
            "methods_used",
            "list of URLs",
            "Public pages of the methods from the methods library that it used.",
            lambda p, b: [b.url(m) for m in p.methods_used.all()],
        ),
        Column(
            "reused_from",
            "list of URLs",
            "Public pages of the methods and case studies it reused as they were.",
            reused_urls(ReuseLink.Relation.REUSED),
        ),
        Column(
            "adapted_from",
            "list of URLs",
            "Public pages of the methods and case studies it adapted for its place.",
            reused_urls(ReuseLink.Relation.ADAPTED),
        ),
        Column(
            "tags",
            "list of slugs",
            "Free keywords; each has a page at /tags/<slug>/.",
            lambda p, b: tag_slugs(p),
        ),
        Column(
            "savings_record_count",
            "integer",
            "How many savings records the page reports. The records themselves are in "
            "savings.csv and savings.json (match page_id to id).",
            lambda p, b: p.savings_record_count,
            optional=False,
        ),
        Column(
            "first_published",
            "date and time",
            "When the page was first published.",
            lambda p, b: iso(p.first_published_at),
        ),
        Column(
            "last_published",
            "date and time",
            "When the page was last published (changed).",
            lambda p, b: iso(p.last_published_at),
        ),
    ]


PROJECT_COLUMNS = (
    *head_columns("project"),
    Column(
        "status",
        "text",
        "Where the project is.",
        lambda p, b: p.status,
        choices_text(HighImpactProjectPage.Status.choices),
        optional=False,
    ),
    Column(
        "lead_organisation",
        "slug",
        "The organisation that leads the project and is accountable for it (organisation "
        "pages are at /organisations/<slug>/).",
        lambda p, b: slug_of(p.lead_organisation),
        optional=False,
    ),
    Column(
        "lead_is_illustrative",
        "true or false",
        "true when the lead shown is illustrative rather than confirmed (the source report "
        "names no lead body).",
        lambda p, b: p.lead_is_illustrative,
        "true; false",
        optional=False,
    ),
    Column(
        "organisations",
        "list of slugs",
        "The partner organisations taking part.",
        lambda p, b: slugs(p.organisations.all()),
    ),
    Column("lead_role", "text", "The project lead's role (not a name).", lambda p, b: p.lead_role),
    Column(
        "manager_role",
        "text",
        "The project manager's role (not a name).",
        lambda p, b: p.manager_role,
    ),
    Column(
        "contact_route",
        "text",
        "How to get in touch, by role or team. Never a personal address.",
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
        "The place where it happened.",
        lambda p, b: slug_of(p.place),
    ),
    Column(
        "organisations",
        "list of slugs",
        "The organisations that did the work or took part (organisation pages are at "
        "/organisations/<slug>/).",
        lambda p, b: slugs(p.organisations.all()),
    ),
    Column(
        "transformation_model",
        "slug",
        "The whole-council transformation model it best illustrates (LGA report), if any.",
        lambda p, b: slug_of(p.transformation_model),
        slugs_text(TransformationModel, "Transformation model slugs"),
    ),
    Column(
        "contact_route",
        "text",
        "How to get in touch, by role and organisation. Never a personal address.",
        lambda p, b: p.contact_route,
    ),
    Column(
        "source",
        "text",
        "Where the account comes from: the report and its section.",
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
    public = KnowledgePage.objects.visible_to(anonymous())
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
        "The savings record's id (the same id as in /api/v2/savings/).",
        lambda r, b: r.pk,
        optional=False,
    ),
    Column(
        "page_id",
        "integer",
        "The id of the project or case study that reported it (the id column of "
        "projects and case-studies).",
        lambda r, b: r.page_id,
        optional=False,
    ),
    Column("page_title", "text", "That page's title.", lambda r, b: r.page.title, optional=False),
    Column(
        "page_url", "URL", "That page on this site.", lambda r, b: b.url(r.page), optional=False
    ),
    Column(
        "page_type",
        "text",
        "What kind of page reported it.",
        lambda r, b: page_kind(r.page),
        "project; case-study; learning-history; method",
        optional=False,
    ),
    Column(
        "description", "text", "What the saving is.", lambda r, b: r.description, optional=False
    ),
    Column(
        "amount",
        "integer",
        "The saving in pounds; for a range, the low figure.",
        lambda r, b: integer(r.amount),
        "0 or more",
        optional=False,
    ),
    Column(
        "amount_high",
        "integer",
        "Only for a range: the high figure in pounds. Empty for a single figure.",
        lambda r, b: integer(r.amount_high),
        "At least amount",
    ),
    Column(
        "kind",
        "text",
        "What sort of money it is.",
        lambda r, b: r.kind,
        choices_text(SavingsRecord.Kind.choices),
        optional=False,
    ),
    Column(
        "period",
        "text",
        "What time the figure covers. Figures are never converted into each other: add up "
        "per-year, one-off and multi-year figures separately.",
        lambda r, b: r.period,
        choices_text(SavingsRecord.Period.choices),
        optional=False,
    ),
    Column(
        "years",
        "integer",
        "Only for over_years: over how many years.",
        lambda r, b: r.years,
        "1 or more",
    ),
    Column(
        "status",
        "text",
        "How firm the figure is.",
        lambda r, b: r.status,
        choices_text(SavingsRecord.Status.choices),
        optional=False,
    ),
    Column(
        "paid_by",
        "text",
        "The sector that invests or changes its service.",
        lambda r, b: r.paid_by or None,
        choices_text(Sector.choices),
    ),
    Column(
        "benefits",
        "text",
        "The sector where the saving lands (Total Place: often not the one that pays).",
        lambda r, b: r.benefits or None,
        choices_text(Sector.choices),
    ),
    Column(
        "delivery_level",
        "slug",
        "The level the saving is made at: the record's own level if it gives one, otherwise "
        "the level of the page that reported it.",
        lambda r, b: effective_level(r)[0],
        slugs_text(DeliveryLevel, "Delivery level slugs"),
    ),
    Column(
        "delivery_level_from",
        "text",
        "Where delivery_level comes from: the record itself, or its page.",
        lambda r, b: effective_level(r)[1],
        "record; page",
    ),
    Column(
        "investment",
        "integer",
        "Money put in to get this saving, in pounds, if known.",
        lambda r, b: integer(r.investment),
        "0 or more",
    ),
    Column(
        "start_date",
        "date",
        "First day of the period the figure covers.",
        lambda r, b: iso(r.start_date),
    ),
    Column(
        "end_date",
        "date",
        "Last day of the period the figure covers.",
        lambda r, b: iso(r.end_date),
    ),
    Column(
        "duplicate_of",
        "integer",
        "If this is the same saving as another record (say a case study reporting a "
        "project's saving), that record's record_id. Left empty when that record is not "
        "public; counted still says whether to add this one.",
        lambda r, b: r.duplicate_of_id if r.duplicate_is_public else None,
    ),
    Column(
        "counted",
        "true or false",
        "false when the saving is already counted in another record, so that totals count "
        "it once, as the site's savings picture does. Add up only rows where counted is true.",
        lambda r, b: r.duplicate_of_id is None,
        "true; false",
        optional=False,
    ),
    Column(
        "source",
        "text",
        "Where the figure comes from: document, section and quote.",
        lambda r, b: r.source,
    ),
)


DATASETS: dict[str, Dataset] = {
    dataset.slug: dataset
    for dataset in (
        Dataset(
            "projects",
            "High-impact projects",
            "One row per public high-impact project: what it is, where, who leads it and "
            "what it reused.",
            PROJECT_COLUMNS,
            project_queryset,
        ),
        Dataset(
            "case-studies",
            "Case studies",
            "One row per public case study: what a place did, where, with whom and what it reused.",
            CASE_STUDY_COLUMNS,
            case_study_queryset,
        ),
        Dataset(
            "savings",
            "Savings records",
            "One row per savings figure reported on a public project or case study, exactly "
            "as reported: a range stays a range, nothing is annualised.",
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
        "The kinds of work counted.",
        "project; case-study; learning-history; method",
    ),
    Field("counted", "text", "What the counts are of, in words."),
    Field("nations", "list", "The nations, in column order, each with the columns it spans."),
    Field("nations[].slug", "slug", "The nation's slug.", "wales; england"),
    Field("nations[].name", "text", "The nation's name."),
    Field(
        "nations[].span",
        "integer",
        "How many columns belong to the nation: itself and its regions.",
    ),
    Field("columns", "list", "The places counted: each nation, then its regions."),
    Field("columns[].slug", "slug", "The place's slug."),
    Field("columns[].name", "text", "The place's name."),
    Field("columns[].kind", "text", "Whether the place is a nation or a region.", "nation; region"),
    Field("columns[].nation", "slug", "The nation the place is in (itself for a nation)."),
    Field(
        "columns[].total",
        "integer",
        "How many pieces of work, in any theme, are filed under this place or a place inside it.",
    ),
    Field(
        "columns[].url",
        "URL",
        "A search for those pieces; empty when there are too many themes to name in one search.",
    ),
    Field("rows", "list", "One row per theme, by name."),
    Field("rows[].slug", "slug", "The theme's slug."),
    Field("rows[].name", "text", "The theme's name."),
    Field("rows[].cells", "list", "One cell per column, in the same order as columns."),
    Field("rows[].cells[].column", "slug", "The slug of the column (place) the cell is in."),
    Field(
        "rows[].cells[].count",
        "integer",
        "How many pieces of work in this theme are "
        "filed under this place or a place inside it. Local areas roll up into their region "
        "and nation; a piece with several places counts once in each column.",
    ),
    Field("rows[].cells[].url", "URL", "A search that finds exactly those pieces."),
    Field(
        "rows[].total",
        "integer",
        "How many pieces of work in this theme have a place in Wales or England (each once).",
    ),
    Field("rows[].url", "URL", "A search that finds them."),
    Field(
        "total",
        "integer",
        "How many pieces of work have at least one theme and one place "
        "in Wales or England (each once).",
    ),
    Field(
        "url",
        "URL",
        "A search that finds them; empty when there are too many themes to name in one search.",
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
    """What every JSON file starts with: what it is, its licence, where and when it was made."""
    return {
        "title": title,
        "licence": LICENCE,
        "public_content_only": True,
        "note": PUBLIC_ONLY,
        "source": request.build_absolute_uri("/"),
        "download_url": request.build_absolute_uri(reverse("open_data_file", args=[filename])),
        "dictionary": request.build_absolute_uri(reverse("open_data") + "#dictionary"),
        "generated_at": iso(timezone.now()),
    }


def column_definitions(columns: Iterable[Column | Field]) -> list[dict[str, str]]:
    return [
        {
            "name": column.name,
            "type": column.type,
            "meaning": column.meaning,
            "allowed": column.allowed_text(),
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
    head["description"] = dataset.description
    head["fields"] = column_definitions(dataset.columns)
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "rows": ['
    for index, row in enumerate(dataset.rows(request)):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


def matrix_json(request: HttpRequest) -> str:
    """matrix.json: the theme x place counts with the same header as the other files."""
    document = header(request, "Who is doing what, where: themes by place", "matrix.json")
    document["description"] = (
        "How many public projects, case studies, learning histories and methods there are "
        "in each theme and place, as on the 'Who is doing what' page."
    )
    document["fields"] = column_definitions(MATRIX_FIELDS)
    document.update(matrix_data(request))
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
