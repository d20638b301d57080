"""Load the demo content in `data/` into the database, idempotently.

Every row and page is matched by slug. A page is only saved (as a new published revision) when
what the data says differs from what is live, so running the loader twice changes nothing: no
new revisions, no new rows, the same publication dates. The data is checked in full before
anything is written, and every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from wagtail.fields import StreamField
from wagtail.models import Page

from cop_site.i18n import default_language, ensure_locales, language_codes
from cop_site.site_structure import SECTIONS as SITE_SECTIONS
from cop_site.site_structure import SiteStructure, ensure_site_structure
from learning.models import (
    CaseStudyPage,
    DeliveryLevel,
    LearningHistoryPage,
    MethodPage,
    Organisation,
    Region,
    RegionPage,
    ReuseLink,
    ServiceFunction,
    Theme,
    ThemePage,
    TransformationModel,
)
from projects.models import BarrierEnabler, HighImpactProjectPage, Milestone, SavingsRecord

DATA_DIR = Path(__file__).resolve().parent / "data"

SECTIONS = (
    "themes",
    "regions",
    "organisations",
    "delivery_levels",
    "service_functions",
    "transformation_models",
    "tags",
    "methods",
    "case_studies",
    "projects",
    "learning_histories",
    "site_pages",
)

# Cymraeg: the fields a translation may give, by kind of page (`cy:` in the data; see
# DATA_FORMAT.md). The keys are the data's names; `TRANSLATED_FIELDS` maps them to page fields.
TRANSLATABLE = {
    "home": {"title", "headline", "summary", "introduction"},
    "section": {"title", "summary", "introduction"},
    "theme": {"name", "summary", "description"},
    "region": {"name", "summary", "introduction"},
}
TRANSLATED_FIELDS = {"name": "title", "description": "introduction"}


def _welsh_name(item: dict[str, Any]) -> str:
    """A theme's or place's Welsh name: the `name` of its `cy:` part, else empty (so the Welsh
    site shows the English name)."""
    welsh = item.get("cy") or {}
    return str(welsh.get("name") or "").strip()


class DemoDataError(Exception):
    """The data files are inconsistent; the message lists every problem found."""


@dataclass
class LoadReport:
    """What a load created, changed and left alone, by kind."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def record(self, kind: str, outcome: str) -> None:
        getattr(self, outcome)[kind] += 1

    @property
    def changed_anything(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def lines(self) -> list[str]:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{kind:<22} {self.created[kind]:>4} created {self.updated[kind]:>4} updated "
            f"{self.unchanged[kind]:>4} unchanged"
            for kind in kinds
        ]


def read_data(data_dir: Path = DATA_DIR) -> dict[str, list]:
    """Merge every YAML file in `data_dir` (in name order) section by section."""
    merged: dict[str, list] = {section: [] for section in SECTIONS}
    for path in sorted(data_dir.glob("*.yaml")):
        if path.name == "communities.yaml":  # loaded by cop_site.demo.communities
            continue
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section, items in content.items():
            if section not in merged:
                raise DemoDataError(f"{path.name}: unknown section '{section}'")
            merged[section].extend(items or [])
    # The same organisation or area may be defined by more than one file: keep the first.
    for section in ("regions", "organisations"):
        seen: dict[str, dict] = {}
        for item in merged[section]:
            seen.setdefault(item["slug"], item)
        merged[section] = list(seen.values())
    return merged


def _choices(model: type[models.Model], field_name: str) -> set[str]:
    return {value for value, _label in model._meta.get_field(field_name).choices}


def validate(data: dict[str, list]) -> None:
    """Check references and vocabularies; raise DemoDataError listing every problem."""
    problems: list[str] = []
    slugs = {s: {i["slug"] for i in data[s]} for s in SECTIONS if s not in ("tags", "site_pages")}
    for section in slugs:
        counts = Counter(i["slug"] for i in data[section])
        problems += [f"{section}: slug '{s}' defined {n} times" for s, n in counts.items() if n > 1]

    def check(where: str, kind: str, value: Any, allowed: Iterable[str]) -> None:
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in (None, "") and v not in allowed:
                problems.append(f"{where}: unknown {kind} '{v}'")

    existing_themes = set(Theme.objects.values_list("slug", flat=True))
    themes = slugs["themes"] | existing_themes
    regions = slugs["regions"]
    orgs = slugs["organisations"]
    levels = slugs["delivery_levels"] | set(DeliveryLevel.objects.values_list("slug", flat=True))
    tmodels = slugs["transformation_models"]
    methods = slugs["methods"]
    case_studies = slugs["case_studies"]
    projects = slugs["projects"]
    functions = slugs["service_functions"]
    readings = _choices(ServiceFunction, "performance")

    for function in data["service_functions"]:
        where = f"service function {function['slug']}"
        check(where, "delivery level", function.get("recommended_level"), levels)
        if not function.get("recommended_level"):
            problems.append(f"{where}: needs a recommended_level")
        for criterion in ServiceFunction.CRITERIA:
            check(where, f"{criterion} reading", function.get(criterion), readings)

    relations = _choices(ReuseLink, "relation")
    seen_case_studies: set[str] = set()

    def check_reuses(where: str, item: dict, earlier_case_studies: set[str]) -> None:
        for n, reuse in enumerate(item.get("reuses") or [], 1):
            w = f"{where} reuse #{n}"
            check(w, "relation", reuse.get("relation"), relations)
            if bool(reuse.get("method")) == bool(reuse.get("case_study")):
                problems.append(f"{w}: give either a method or a case_study")
            check(w, "method", reuse.get("method"), methods)
            if reuse.get("case_study") and reuse["case_study"] not in earlier_case_studies:
                problems.append(
                    f"{w}: case study '{reuse['case_study']}' must be defined earlier in the data"
                )

    defined: set[str] = set()
    for region in data["regions"]:
        check(
            f"region {region['slug']}", "region kind", region.get("kind"), _choices(Region, "kind")
        )
        if region.get("parent") and region["parent"] not in defined:
            problems.append(
                f"region {region['slug']}: parent '{region['parent']}' not defined before it"
            )
        defined.add(region["slug"])
    for org in data["organisations"]:
        where = f"organisation {org['slug']}"
        check(where, "organisation kind", org.get("kind"), _choices(Organisation, "kind"))
        check(where, "region", org.get("region"), regions)

    savings = {
        "kind": _choices(SavingsRecord, "kind"),
        "period": _choices(SavingsRecord, "period"),
        "status": _choices(SavingsRecord, "status"),
        "paid_by": _choices(SavingsRecord, "paid_by"),
        "benefits": _choices(SavingsRecord, "benefits"),
    }

    def check_savings(where: str, records: list[dict]) -> None:
        for n, record in enumerate(records or [], 1):
            w = f"{where} savings #{n}"
            for key, allowed in savings.items():
                check(w, key, record.get(key), allowed)
            check(w, "delivery level", record.get("delivery_level"), levels)
            if not isinstance(record.get("amount"), int):
                problems.append(f"{w}: amount must be a whole number of pounds")
            if record.get("period") == "over_years" and not record.get("years"):
                problems.append(f"{w}: over_years needs years")
            if not record.get("source"):
                problems.append(f"{w}: every figure needs a source")
            counted_in = record.get("counted_in")
            if counted_in is not None and (
                not isinstance(counted_in, int)
                or not 1 <= counted_in <= len(records)
                or counted_in == n
            ):
                problems.append(f"{w}: counted_in must be the number of another record here")

    for method in data["methods"]:
        where = f"method {method['slug']}"
        check(where, "workstream", method.get("workstream"), _choices(MethodPage, "workstream"))
        check(where, "theme", method.get("themes", []), themes)
    for cs in data["case_studies"]:
        where = f"case study {cs['slug']}"
        check(where, "organisation", cs.get("organisations", []), orgs)
        check(where, "region", [cs.get("place")] + cs.get("regions", []), regions)
        check(where, "theme", cs.get("themes", []), themes)
        check(where, "delivery level", cs.get("delivery_level"), levels)
        check(where, "transformation model", cs.get("transformation_model"), tmodels)
        check(where, "method", cs.get("methods", []), methods)
        check(where, "service function", cs.get("service_functions", []), functions)
        check_reuses(where, cs, seen_case_studies)
        seen_case_studies.add(cs["slug"])
        check_savings(where, cs.get("savings"))
        if not cs.get("themes"):
            problems.append(f"{where}: needs at least one theme")
    for project in data["projects"]:
        where = f"project {project['slug']}"
        check(where, "theme", project.get("theme"), themes)
        check(
            where,
            "organisation",
            [project.get("lead_organisation")] + project.get("partners", []),
            orgs,
        )
        check(where, "region", project.get("regions", []), regions)
        check(where, "delivery level", project.get("delivery_level"), levels)
        check(where, "method", project.get("methods", []), methods)
        check(where, "case study", project.get("related_case_studies", []), case_studies)
        check(where, "service function", project.get("service_functions", []), functions)
        check_reuses(where, project, case_studies)
        check(where, "status", project.get("status"), _choices(HighImpactProjectPage, "status"))
        for m in project.get("milestones", []):
            check(where, "milestone status", m.get("status"), _choices(Milestone, "status"))
        for b in project.get("barriers_enablers", []):
            check(where, "barrier kind", b.get("kind"), _choices(BarrierEnabler, "kind"))
            check(where, "barrier level", b.get("level"), _choices(BarrierEnabler, "level"))
            check(
                where, "barrier category", b.get("category"), _choices(BarrierEnabler, "category")
            )
        check_savings(where, project.get("savings"))
    for history in data["learning_histories"]:
        where = f"learning history {history['slug']}"
        check(where, "project", history.get("project"), projects)
        check(where, "theme", history.get("themes", []), themes)
        check(where, "region", history.get("regions", []), regions)
        check(
            where,
            "validation status",
            history.get("validation_status"),
            _choices(LearningHistoryPage, "validation_status"),
        )
    problems += translation_problems(data)
    if problems:
        raise DemoDataError("The demo data has problems:\n  " + "\n  ".join(problems))


def translation_problems(data: dict[str, list]) -> list[str]:
    """What is wrong with the `cy:` (other language) parts of the data, if anything.

    A translated page needs its parent translated first (the Welsh tree is a copy of the
    English one's shape), and every translation needs a title.
    """
    problems: list[str] = []
    others = [code for code in language_codes() if code != default_language()]
    translated_sections: dict[str, set[str]] = {code: set() for code in others}
    section_slugs = {"home"} | {slug for _model, slug, _title, _intro in SITE_SECTIONS}

    def check(where: str, item: dict, kind: str) -> None:
        for code in others:
            values = item.get(code)
            if values is None:
                continue
            if not isinstance(values, dict):
                problems.append(f"{where}: '{code}' must be a mapping of fields")
                continue
            unknown = set(values) - TRANSLATABLE[kind]
            if unknown:
                problems.append(f"{where}: '{code}' cannot set {', '.join(sorted(unknown))}")
            if not values.get("name" if kind in ("theme", "region") else "title"):
                problems.append(f"{where}: the '{code}' version needs a title")
        for key in item:
            if len(key) == 2 and key.isalpha() and key not in others:
                problems.append(f"{where}: '{key}' is not one of the site's other languages")

    for item in data["site_pages"]:
        page = item.get("page")
        if page not in section_slugs:
            problems.append(f"site page '{page}': not the home page or a section")
            continue
        check(f"site page {page}", item, "home" if page == "home" else "section")
        for code in others:
            if item.get(code):
                translated_sections[code].add(page)
    for code in others:
        sections = translated_sections[code]
        if sections - {"home"} and "home" not in sections:
            problems.append(f"site pages: sections in '{code}' need the home page in '{code}'")
    for theme in data["themes"]:
        check(f"theme {theme['slug']}", theme, "theme")
        for code in others:
            if theme.get(code) and "themes" not in translated_sections[code]:
                problems.append(f"theme {theme['slug']}: translate the Themes section first")
    regions = {region["slug"]: region for region in data["regions"]}
    for region in data["regions"]:
        where = f"region {region['slug']}"
        check(where, region, "region")
        for code in others:
            if not region.get(code):
                continue
            if region.get("kind") == "area":
                problems.append(f"{where}: local areas have no page to translate")
            parent = regions.get(region.get("parent") or "")
            if parent is None and "regions" not in translated_sections[code]:
                problems.append(f"{where}: translate the Regions section first")
            elif parent is not None and not parent.get(code):
                problems.append(f"{where}: translate {parent['slug']} into '{code}' first")
    return problems


# --- comparing what is live with what the data says ------------------------------------------


def _strip_ids(value: Any) -> Any:
    """StreamField JSON without the random block ids, so equal content compares equal."""
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def _stream_json(stream_field: StreamField, raw: Any) -> Any:
    block = stream_field.stream_block
    value = raw if not isinstance(raw, list) else block.to_python(raw)
    return _strip_ids(block.get_prep_value(value))


def _normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dt.datetime):
        return value.date()
    return value


@dataclass
class PageSpec:
    """What one page should look like, in terms the comparison and the save both use."""

    model: type[Page]
    slug: str
    values: dict[str, Any]
    m2m: dict[str, list[models.Model]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    children: dict[str, tuple[type[models.Model], list[dict]]] = field(default_factory=dict)


def _tag_name(tag: str) -> str:
    return tag.replace("-", " ").strip().lower()


class DemoLoader:
    """Creates or updates taxonomy and pages from the data files."""

    def __init__(
        self, data: dict[str, list], log: Callable[[str], None] = print, accounts: bool = True
    ) -> None:
        self.data = data
        self.accounts = accounts
        self.log = log
        self.report = LoadReport()
        self.pages: dict[tuple[str, str], Page] = {}
        self.locales: dict[str, Any] = {}

    # taxonomy ---------------------------------------------------------------------------

    def upsert_row(self, model: type[models.Model], slug: str, values: dict) -> models.Model:
        kind = model._meta.verbose_name_plural
        obj = model.objects.filter(slug=slug).first()
        if obj is None:
            obj = model.objects.create(slug=slug, **values)
            self.report.record(kind, "created")
            return obj
        changed = False
        for key, value in values.items():
            current = getattr(obj, model._meta.get_field(key).attname)
            target = value.pk if isinstance(value, models.Model) else value
            if _normalise(current) != _normalise(target):
                setattr(obj, key, value)
                changed = True
        if changed:
            obj.save()
        self.report.record(kind, "updated" if changed else "unchanged")
        return obj

    def load_taxonomy(self) -> None:
        for item in self.data["themes"]:
            self.upsert_row(
                Theme,
                item["slug"],
                {
                    "name": item["name"],
                    "name_cy": _welsh_name(item),
                    "summary": (item.get("summary") or "").strip(),
                    "description": (item.get("description") or "").strip(),
                },
            )
        for item in self.data["regions"]:
            parent = Region.objects.get(slug=item["parent"]) if item.get("parent") else None
            self.upsert_row(
                Region,
                item["slug"],
                {
                    "name": item["name"],
                    "name_cy": _welsh_name(item),
                    "kind": item["kind"],
                    "parent": parent,
                },
            )
        for item in self.data["delivery_levels"]:
            self.upsert_row(
                DeliveryLevel,
                item["slug"],
                {
                    "name": item["name"],
                    "order": item.get("order", 0),
                    "description": item.get("description", ""),
                },
            )
        for item in self.data["service_functions"]:
            self.upsert_row(
                ServiceFunction,
                item["slug"],
                {
                    "name": item["name"],
                    "recommended_level": DeliveryLevel.objects.get(slug=item["recommended_level"]),
                    "service_area": item.get("service_area") or "",
                    "description": (item.get("description") or "").strip(),
                    "performance": item.get("performance") or "",
                    "economies_of_scale": item.get("economies_of_scale") or "",
                    "equity": item.get("equity") or "",
                    "risk": item.get("risk") or "",
                    "criteria_note": (item.get("criteria_note") or "").strip(),
                    "source": item.get("source") or "",
                },
            )
        for item in self.data["transformation_models"]:
            self.upsert_row(
                TransformationModel,
                item["slug"],
                {"name": item["name"], "description": item.get("description", "").strip()},
            )
        for item in self.data["organisations"]:
            region = Region.objects.get(slug=item["region"]) if item.get("region") else None
            self.upsert_row(
                Organisation,
                item["slug"],
                {
                    "name": item["name"],
                    "kind": item.get("kind", "other"),
                    "region": region,
                    "website": item.get("website") or "",
                },
            )

    # pages ------------------------------------------------------------------------------

    def page_matches(self, page: Page, spec: PageSpec) -> bool:
        for key, target in spec.values.items():
            model_field = spec.model._meta.get_field(key)
            current = getattr(page, model_field.attname)
            if isinstance(model_field, StreamField):
                if _stream_json(model_field, current) != _stream_json(model_field, target):
                    return False
                continue
            if isinstance(target, models.Model):
                target = target.pk
            if _normalise(current) != _normalise(target):
                return False
        for name, objects in spec.m2m.items():
            current_ids = set(getattr(page, name).values_list("pk", flat=True))
            if current_ids != {o.pk for o in objects}:
                return False
        if hasattr(page, "tags") and (
            {t.lower() for t in page.tags.names()} != {_tag_name(t) for t in spec.tags}
        ):
            return False
        for relation, (child_model, rows) in spec.children.items():
            keys = list(rows[0]) if rows else []
            current_rows = [
                {
                    k: _normalise(getattr(child, child_model._meta.get_field(k).attname))
                    for k in keys
                }
                for child in getattr(page, relation).all()
            ]
            wanted = [
                {k: _normalise(v.pk if isinstance(v, models.Model) else v) for k, v in row.items()}
                for row in rows
            ]
            if current_rows != wanted:
                return False
        return True

    def upsert_page(self, parent: Page, spec: PageSpec) -> Page:
        kind = str(spec.model._meta.verbose_name_plural)
        page = spec.model.objects.child_of(parent).filter(slug=spec.slug).first()
        if page is not None and self.page_matches(page, spec):
            self.report.record(kind, "unchanged")
            self.pages[(spec.model.__name__, spec.slug)] = page
            return page
        is_new = page is None
        if is_new:
            page = spec.model(slug=spec.slug)
        for key, value in spec.values.items():
            setattr(page, key, value)
        for name, objects in spec.m2m.items():
            setattr(page, name, objects)
        if hasattr(page, "tags"):
            page.tags.set([_tag_name(t) for t in spec.tags])
        for relation, (child_model, rows) in spec.children.items():
            setattr(page, relation, [child_model(**row) for row in rows])
        if is_new:
            parent.add_child(instance=page)
        page.save_revision().publish()
        self.report.record(kind, "created" if is_new else "updated")
        self.pages[(spec.model.__name__, spec.slug)] = page
        return page

    @staticmethod
    def _by_slug(model: type[models.Model], slugs: Iterable[str]) -> list[models.Model]:
        slugs = [s for s in slugs if s]
        found = {o.slug: o for o in model.objects.filter(slug__in=slugs)}
        return [found[s] for s in slugs]

    @staticmethod
    def _one(model: type[models.Model], slug: str | None) -> models.Model | None:
        return model.objects.get(slug=slug) if slug else None

    def _methods(self, slugs: Iterable[str]) -> list[Page]:
        return [self.pages[("MethodPage", s)] for s in slugs]

    def _savings(self, records: list[dict] | None) -> tuple[type[models.Model], list[dict]]:
        rows = []
        for record in records or []:
            rows.append(
                {
                    "description": record["description"].strip(),
                    "amount": record["amount"],
                    "amount_high": record.get("amount_high"),
                    "kind": record.get("kind", "cashable"),
                    "period": record.get("period", "per_year"),
                    "years": record.get("years"),
                    "status": record.get("status", "estimated"),
                    "paid_by": record.get("paid_by") or "",
                    "benefits": record.get("benefits") or "",
                    "delivery_level": self._one(DeliveryLevel, record.get("delivery_level")),
                    "investment": record.get("investment"),
                    "source": record["source"].strip(),
                }
            )
        return SavingsRecord, rows

    def _reuses(self, items: list[dict] | None) -> tuple[type[models.Model], list[dict]]:
        rows = []
        for item in items or []:
            source = (
                self.pages[("MethodPage", item["method"])]
                if item.get("method")
                else self.pages[("CaseStudyPage", item["case_study"])]
            )
            rows.append(
                {
                    "source": source,
                    "relation": item.get("relation", "adapted"),
                    "note": (item.get("note") or "").strip(),
                }
            )
        return ReuseLink, rows

    def _link_counted_in(self, page: Page, records: list[dict] | None) -> None:
        """Mark records that are part of another on the page (`counted_in: n`), as a revision.

        Done after the page is saved because a record can only point at a saved record; saved
        as a new published revision (only when something changes) so that an editor opening
        the page later sees the link and cannot drop it by accident.
        """
        children = list(page.savings_records.all())
        wanted = [
            children[r["counted_in"] - 1].pk if r.get("counted_in") else None for r in records or []
        ]
        if [c.duplicate_of_id for c in children] == wanted:
            return
        page = page.specific_class.objects.get(pk=page.pk)
        children = list(page.savings_records.all())
        for child, target in zip(children, wanted, strict=True):
            child.duplicate_of_id = target
        page.savings_records = children
        page.save_revision().publish()

    @staticmethod
    def _links(items: list[dict] | None) -> list[dict]:
        return [
            {"type": "link", "value": {"title": i["title"], "url": i.get("url") or ""}}
            for i in items or []
        ]

    def load_theme_and_region_pages(self, structure: SiteStructure) -> None:
        for theme in Theme.objects.all():
            self.upsert_page(
                structure.sections["themes"],
                PageSpec(
                    ThemePage,
                    theme.slug,
                    {
                        "title": theme.name,
                        "theme": theme,
                        "summary": theme.summary,
                        "introduction": theme.description,
                    },
                ),
            )
        region_pages: dict[int, Page] = {}
        for region in Region.objects.exclude(kind=Region.Kind.AREA).order_by("kind", "name"):
            # Nations sort before regions ("nation" < "region"), so parents exist first.
            parent = region_pages.get(region.parent_id, structure.sections["regions"])
            region_pages[region.pk] = self.upsert_page(
                parent,
                PageSpec(
                    RegionPage,
                    region.slug,
                    {
                        "title": region.name,
                        "region": region,
                        "summary": f"Projects, case studies, learning histories and methods "
                        f"from {region.name}.",
                    },
                ),
            )

    # translations ---------------------------------------------------------------------

    def translate_page(self, source: Page, language: str, values: dict[str, Any]) -> Page:
        """The `language` version of `source`, with these fields.

        Made as the admin's "Translate" makes it (a copy of the English page in the other
        language's tree) when it is missing; saved as a new published revision only when what
        is live differs, so a second run changes nothing.
        """
        locale = self.locales[language]
        kind = f"{source.specific_class._meta.verbose_name_plural} ({language})"
        page = source.get_translation_or_none(locale)
        is_new = page is None
        page = (source.copy_for_translation(locale) if is_new else page).specific
        current = {key: _normalise(getattr(page, key)) for key in values}
        if not is_new and page.live and current == {k: _normalise(v) for k, v in values.items()}:
            self.report.record(kind, "unchanged")
            return page
        for key, value in values.items():
            setattr(page, key, value)
        page.save_revision().publish()
        self.report.record(kind, "created" if is_new else "updated")
        return page

    @staticmethod
    def _fields(values: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
        fields = {TRANSLATED_FIELDS.get(k, k): (v or "").strip() for k, v in values.items()}
        return {**(defaults or {}), **fields}

    def load_translations(self, structure: SiteStructure) -> None:
        """Welsh (and any other language's) versions of the home, section, theme and region
        pages, from the `cy:` parts of the data; pages without one are left to the fallback."""
        self.locales = ensure_locales()
        default_id = self.locales[default_language()].pk
        site_pages = {item["page"]: item for item in self.data["site_pages"]}
        themes = {item["slug"]: item for item in self.data["themes"]}
        regions = {item["slug"]: item for item in self.data["regions"]}
        for language in self.locales:
            if language == default_language():
                continue
            home = site_pages.get("home", {}).get(language)
            if home:
                self.translate_page(structure.home, language, self._fields(home))
            for slug, section in structure.sections.items():
                values = site_pages.get(slug, {}).get(language)
                if values:
                    fields = self._fields(values)
                    fields.setdefault("summary", fields.get("introduction", ""))
                    self.translate_page(section, language, fields)
            english = ThemePage.objects.filter(locale_id=default_id).select_related("theme")
            for page in english.order_by("path"):
                values = themes.get(page.theme.slug, {}).get(language)
                if values:
                    self.translate_page(page, language, self._fields(values))
            english = RegionPage.objects.filter(locale_id=default_id).select_related("region")
            for page in english.order_by("depth", "path"):  # nations before their regions
                values = regions.get(page.region.slug, {}).get(language)
                if values:
                    self.translate_page(page, language, self._fields(values))

    def load_methods(self, parent: Page) -> None:
        for item in self.data["methods"]:
            self.upsert_page(
                parent,
                PageSpec(
                    MethodPage,
                    item["slug"],
                    {
                        "title": item["title"],
                        "summary": item["summary"].strip(),
                        "workstream": item.get("workstream") or "",
                        "body": item["body"].strip(),
                        "sources": self._links(item.get("sources")),
                    },
                    m2m={"themes": self._by_slug(Theme, item.get("themes", []))},
                    tags=item.get("tags", []),
                ),
            )

    def load_case_studies(self, parent: Page) -> None:
        for item in self.data["case_studies"]:
            place = self._one(Region, item.get("place"))
            regions = item.get("regions") or ([item["place"]] if item.get("place") else [])
            page = self.upsert_page(
                parent,
                PageSpec(
                    CaseStudyPage,
                    item["slug"],
                    {
                        "title": item["title"],
                        "summary": item["summary"].strip(),
                        "place": place,
                        "year_start": item.get("year_start"),
                        "year_end": item.get("year_end"),
                        "transformation_model": self._one(
                            TransformationModel, item.get("transformation_model")
                        ),
                        "delivery_level": self._one(DeliveryLevel, item.get("delivery_level")),
                        "what_they_did": item["what_they_did"].strip(),
                        "outcomes": (item.get("outcomes") or "").strip(),
                        "contact_route": item.get("contact_route") or "",
                        "further_reading": self._links(item.get("further_reading")),
                        "source": item.get("source") or "",
                    },
                    m2m={
                        "themes": self._by_slug(Theme, item.get("themes", [])),
                        "regions": self._by_slug(Region, regions),
                        "organisations": self._by_slug(Organisation, item.get("organisations", [])),
                        "methods_used": self._methods(item.get("methods", [])),
                        "service_functions": self._by_slug(
                            ServiceFunction, item.get("service_functions", [])
                        ),
                    },
                    tags=item.get("tags", []),
                    children={
                        "savings_records": self._savings(item.get("savings")),
                        "reuses": self._reuses(item.get("reuses")),
                    },
                ),
            )
            self._link_counted_in(page, item.get("savings"))

    def load_projects(self, parent: Page) -> None:
        for item in self.data["projects"]:
            start, end = item.get("start_date"), item.get("end_date")
            page = self.upsert_page(
                parent,
                PageSpec(
                    HighImpactProjectPage,
                    item["slug"],
                    {
                        "title": item["title"],
                        "summary": item["summary"].strip(),
                        "lead_organisation": self._one(Organisation, item["lead_organisation"]),
                        "lead_is_illustrative": bool(item.get("lead_is_illustrative")),
                        "status": item.get("status", "active"),
                        "lead_role": item.get("lead_role") or "",
                        "manager_role": item.get("manager_role") or "",
                        "contact_route": item.get("contact_route") or "",
                        "aims": item["aims"].strip(),
                        "approach": (item.get("approach") or "").strip(),
                        "delivery_level": self._one(DeliveryLevel, item.get("delivery_level")),
                        "year_start": start.year if start else None,
                        "year_end": end.year if end else None,
                    },
                    m2m={
                        "themes": self._by_slug(Theme, [item["theme"]]),
                        "regions": self._by_slug(Region, item.get("regions", [])),
                        "organisations": self._by_slug(Organisation, item.get("partners", [])),
                        "methods_used": self._methods(item.get("methods", [])),
                        "related_case_studies": [
                            self.pages[("CaseStudyPage", s)]
                            for s in item.get("related_case_studies", [])
                        ],
                        "service_functions": self._by_slug(
                            ServiceFunction, item.get("service_functions", [])
                        ),
                    },
                    tags=item.get("tags", []),
                    children={
                        "milestones": (
                            Milestone,
                            [
                                {
                                    "title": m["title"],
                                    "date": m["date"],
                                    "status": m.get("status", "due"),
                                    "description": (m.get("description") or "").strip(),
                                }
                                for m in item.get("milestones", [])
                            ],
                        ),
                        "barriers_enablers": (
                            BarrierEnabler,
                            [
                                {
                                    "kind": b["kind"],
                                    "level": b["level"],
                                    "category": b["category"],
                                    "description": b["description"].strip(),
                                }
                                for b in item.get("barriers_enablers", [])
                            ],
                        ),
                        "savings_records": self._savings(item.get("savings")),
                        "reuses": self._reuses(item.get("reuses")),
                    },
                ),
            )
            self._link_counted_in(page, item.get("savings"))

    @staticmethod
    def learning_history_body(item: dict) -> list[dict]:
        body: list[dict] = []
        for chapter in item.get("chapters", []):
            body.append(
                {
                    "type": "chapter",
                    "value": {
                        "title": chapter["title"],
                        "introduction": (chapter.get("introduction") or "").strip(),
                        "rows": [
                            {
                                "narrative": row["narrative"].strip(),
                                "speaker_role": row["speaker_role"].strip(),
                                "commentary": (row.get("commentary") or "").strip(),
                            }
                            for row in chapter.get("rows", [])
                        ],
                    },
                }
            )
        if item.get("what_is_different"):
            body.append(
                {
                    "type": "what_is_different",
                    "value": {
                        "kind": "different",
                        "heading": "What is different",
                        "body": item["what_is_different"].strip(),
                    },
                }
            )
        if item.get("reflection_questions"):
            body.append(
                {
                    "type": "reflection_questions",
                    "value": {
                        "heading": "Questions for reflection",
                        "questions": item["reflection_questions"],
                    },
                }
            )
        if item.get("key_learning"):
            body.append(
                {
                    "type": "key_learning",
                    "value": {"heading": "Key learning", "points": item["key_learning"]},
                }
            )
        return body

    def load_learning_histories(self, index: Page) -> None:
        for item in self.data["learning_histories"]:
            parent = (
                self.pages[("HighImpactProjectPage", item["project"])]
                if item.get("project")
                else index
            )
            start, end = item.get("period_start"), item.get("period_end")
            self.upsert_page(
                parent,
                PageSpec(
                    LearningHistoryPage,
                    item["slug"],
                    {
                        "title": item["title"],
                        "summary": item["summary"].strip(),
                        "learning_historians": item.get("learning_historians") or "",
                        "validation_status": item.get("validation_status", "draft"),
                        "year_start": start.year if start else None,
                        "year_end": end.year if end else None,
                        "body": self.learning_history_body(item),
                    },
                    m2m={
                        "themes": self._by_slug(Theme, item.get("themes", [])),
                        "regions": self._by_slug(Region, item.get("regions", [])),
                    },
                    tags=item.get("tags", []),
                ),
            )

    def run(self) -> LoadReport:
        validate(self.data)
        with transaction.atomic():
            structure = ensure_site_structure()
            self.log("Taxonomy: themes, regions, levels, models, organisations")
            self.load_taxonomy()
            self.log("Theme and region pages")
            self.load_theme_and_region_pages(structure)
            self.log("Welsh home, section, theme and region pages")
            self.load_translations(structure)
            self.log(f"Methods ({len(self.data['methods'])})")
            self.load_methods(structure.sections["methods"])
            self.log(f"Case studies ({len(self.data['case_studies'])})")
            self.load_case_studies(structure.sections["case-studies"])
            self.log(f"High-impact projects ({len(self.data['projects'])})")
            self.load_projects(structure.sections["projects"])
            self.log(f"Learning histories ({len(self.data['learning_histories'])})")
            self.load_learning_histories(structure.sections["learning-histories"])
            from cop_site.demo.communities import load_communities  # it imports this module

            load_communities(self.log, report=self.report, accounts=self.accounts)
        return self.report


def load_demo_content(
    data_dir: Path = DATA_DIR, log: Callable[[str], None] = print, accounts: bool = True
) -> LoadReport:
    """Read, check and load the demo content; returns what changed.

    `accounts=False` leaves out the development-only demo people (and so the forum threads
    they wrote), as `load_demo_content --no-accounts` asks.
    """
    return DemoLoader(read_data(data_dir), log=log, accounts=accounts).run()


__all__ = ["DemoDataError", "LoadReport", "load_demo_content", "read_data"]
