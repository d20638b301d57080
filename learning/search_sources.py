"""Pages and organisations as search documents.

`PageSource` reads each page type's Wagtail `search_fields`, so a page type says once what is
searchable: the title goes to the title column, fields boosted 2 or more (the summary) to the
summary column, related names (themes, places, organisations, tags) to the taxonomy column and
everything else (Markdown, learning-history chapters) to the body. Facets come from the
classification every knowledge page shares. Access comes from `access_tokens_for_path`, the
token form of `visible_to`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.translation import gettext_lazy
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from learning.markdown import markdown_to_index_text
from learning.models.base import access_tokens_for_path, forget_view_restrictions
from search import indexing
from search.documents import IndexDocument
from search.sources import SearchSource, all_sources

# Page type -> (kind, label). Kinds are the values of the "type" facet in URLs; labels are
# shown in the reader's language.
PAGE_KINDS: dict[str, tuple[str, str]] = {
    "projects.HighImpactProjectPage": ("project", gettext_lazy("Project")),
    "learning.CaseStudyPage": ("case-study", gettext_lazy("Case study")),
    "learning.LearningHistoryPage": ("learning-history", gettext_lazy("Learning history")),
    "learning.MethodPage": ("method", gettext_lazy("Method")),
    "learning.ThemePage": ("theme", gettext_lazy("Theme")),
    "learning.RegionPage": ("region", gettext_lazy("Region")),
}
MAX_YEARS = 40


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_text(item) for item in value)
    if isinstance(value, models.Model):
        return str(value)
    return markdown_to_index_text(str(value))


# Knowledge-page relations read in bulk for a batch of pages, rather than per page through the
# related managers (which build a queryset per page and made them most of a rebuild's time).
CLASSIFICATION_FIELDS = ("themes", "regions", "organisations", "tags")


@dataclass
class Classification:
    themes: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[int, str]] = field(default_factory=list)
    organisations: dict[int, str] = field(default_factory=dict)
    tags: list[tuple[int, str]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [
            *(name for _pk, name in self.themes),
            *(name for _pk, name in self.regions),
            *self.organisations.values(),
            *(name for _pk, name in self.tags),
        ]


def classification(page_ids: list[int]) -> dict[int, Classification]:
    """Themes, places, organisations and tags of many knowledge pages in four queries."""
    from learning.models import KnowledgePage, KnowledgePageTag

    out: dict[int, Classification] = {}
    if not page_ids:
        return out
    for name, target in (
        ("themes", "theme"),
        ("regions", "region"),
        ("organisations", "organisation"),
    ):
        through = getattr(KnowledgePage, name).through
        rows = (
            through.objects.filter(knowledgepage_id__in=page_ids)
            .order_by(f"{target}__name")
            .values_list("knowledgepage_id", f"{target}_id", f"{target}__name")
        )
        for page_id, pk, label in rows:
            entry = out.setdefault(page_id, Classification())
            if name == "organisations":
                entry.organisations[pk] = label
            else:
                getattr(entry, name).append((pk, label))
    tags = (
        KnowledgePageTag.objects.filter(content_object_id__in=page_ids)
        .order_by("tag__name")
        .values_list("content_object_id", "tag_id", "tag__name")
    )
    for page_id, pk, label in tags:
        out.setdefault(page_id, Classification()).tags.append((pk, label))
    return out


class PageSource(SearchSource):
    """Every live page of the types in `PAGE_KINDS`."""

    name = "page"
    kinds = dict(PAGE_KINDS.values())

    def models(self) -> dict[type[Page], str]:
        return {apps.get_model(label): kind for label, (kind, _l) in PAGE_KINDS.items()}

    def queryset(self, model: type[Page]) -> models.QuerySet:
        """Live pages of one type, with everything a document needs fetched in a few queries."""
        from learning.models import KnowledgePage, RegionPage, ThemePage

        qs = model.objects.live().order_by("pk")
        if issubclass(model, KnowledgePage):
            if hasattr(model, "lead_organisation"):
                qs = qs.select_related("lead_organisation")
            if hasattr(model, "place"):
                qs = qs.select_related("place")
        elif issubclass(model, ThemePage):
            qs = qs.select_related("theme")
        elif issubclass(model, RegionPage):
            qs = qs.select_related("region")
        return qs

    def count(self) -> int:
        return sum(model.objects.live().count() for model in self.models())

    def batches(self, size: int) -> Iterator[list[IndexDocument]]:
        for model in self.models():
            last_pk = 0
            while True:
                batch = list(self.queryset(model).filter(pk__gt=last_pk)[:size])
                if not batch:
                    break
                last_pk = batch[-1].pk
                yield self.documents(batch)

    def documents(self, pages: Iterable[Page]) -> list[IndexDocument]:
        kinds = self.models()
        pages = [page for page in pages if type(page) in kinds]
        classified = classification([page.pk for page in pages])
        documents = [
            self.document(page, kinds[type(page)], classified.get(page.pk, Classification()))
            for page in pages
        ]
        from search.translations import add_languages  # search imports this module

        add_languages(documents, pages)  # each page's language and its other versions
        return documents

    def document(self, page: Page, kind: str, classified: Classification) -> IndexDocument:
        from learning.models import KnowledgePage, Region

        columns: dict[str, list[str]] = {"summary": [], "taxonomy": [], "body": []}
        for search_field in page.get_search_fields():
            if isinstance(search_field, index.RelatedFields):
                if search_field.field_name in CLASSIFICATION_FIELDS:
                    continue  # fetched in bulk: see classification()
                related = getattr(page, search_field.field_name, None)
                if related is None:
                    continue
                items = related.all() if hasattr(related, "all") else [related]
                columns["taxonomy"].extend(str(item) for item in items)
            elif isinstance(search_field, index.SearchField):
                if search_field.field_name == "title":
                    continue
                column = "summary" if (search_field.boost or 0) >= 2 else "body"
                columns[column].append(_text(search_field.get_value(page)))

        facets: dict[str, list[int | str]] = {}
        display: dict[str, list[str]] = {}
        if isinstance(page, KnowledgePage):
            organisations = list(classified.organisations)
            lead_id = getattr(page, "lead_organisation_id", None)
            if lead_id and lead_id not in organisations:
                organisations.append(lead_id)
            facets["theme"] = [pk for pk, _name in classified.themes]
            facets["region"] = Region.with_ancestors([pk for pk, _name in classified.regions])
            facets["org"] = organisations
            facets["tag"] = [pk for pk, _name in classified.tags]
            if page.delivery_level_id:
                facets["level"] = [page.delivery_level_id]
            if page.transformation_model_id:
                facets["model"] = [page.transformation_model_id]
            if page.year_start:
                last = max(page.year_end or page.year_start, page.year_start)
                facets["year"] = list(
                    range(page.year_start, min(last, page.year_start + MAX_YEARS) + 1)
                )
            display = {
                "themes": [name for _pk, name in classified.themes],
                "regions": [name for _pk, name in classified.regions],
            }
            columns["taxonomy"].extend(classified.names())
        elif kind == "theme":
            facets["theme"] = [page.theme_id]
            display = {"themes": [page.theme.name]}
            columns["taxonomy"].append(page.theme.name)
        elif kind == "region":
            facets["region"] = Region.with_ancestors([page.region_id])
            display = {"regions": [page.region.name]}
            columns["taxonomy"].append(page.region.name)

        return IndexDocument(
            key=self.key(page.pk),
            kind=kind,
            title=page.title,
            url=page.get_url() or page.url_path,
            summary=" ".join(filter(None, columns["summary"])),
            taxonomy=" · ".join(filter(None, columns["taxonomy"])),
            body=" ".join(filter(None, columns["body"])),
            date=page.first_published_at,
            facets=facets,
            access=access_tokens_for_path(page.path),
            display=display,
        )

    # Keeping the index in step with the page tree -------------------------------------------

    def connect(self) -> None:
        page_published.connect(self._on_published, dispatch_uid="search-page-published")
        page_unpublished.connect(self._on_unpublished, dispatch_uid="search-page-unpublished")
        post_page_move.connect(self._on_moved, dispatch_uid="search-page-moved")
        page_slug_changed.connect(self._on_moved, dispatch_uid="search-page-slug")
        post_delete.connect(self._on_deleted, dispatch_uid="search-page-deleted")
        for signal in (post_save, post_delete):
            signal.connect(
                self._on_restriction_changed,
                sender=PageViewRestriction,
                dispatch_uid=f"search-restriction-{signal is post_save}",
            )
        m2m_changed.connect(
            self._on_restriction_changed,
            sender=PageViewRestriction.groups.through,
            dispatch_uid="search-restriction-groups",
        )

    def reindex_subtree(self, page: Page) -> None:
        """Re-index a page and every page under it: their URLs or access may have changed."""
        kinds = self.models()
        pages = Page.objects.descendant_of(page, inclusive=True).live().specific()
        wanted = [p for p in pages if type(p) in kinds]
        gone = (
            Page.objects.descendant_of(page, inclusive=True).not_live().values_list("pk", flat=True)
        )
        if wanted:
            indexing.index_documents(self.documents(self.refetch(wanted)))
        indexing.remove_documents([self.key(pk) for pk in gone])

    def refetch(self, pages: list[Page]) -> list[Page]:
        """The same pages again, with related rows prefetched the way a rebuild fetches them."""
        by_model: dict[type[Page], list[int]] = {}
        for page in pages:
            by_model.setdefault(type(page), []).append(page.pk)
        fetched: list[Page] = []
        for model, pks in by_model.items():
            fetched.extend(self.queryset(model).filter(pk__in=pks))
        return fetched

    def _on_published(self, sender: Any, instance: Page, **kwargs: Any) -> None:
        if type(instance) in self.models():
            self.reindex_subtree(instance)

    def _on_unpublished(self, sender: Any, instance: Page, **kwargs: Any) -> None:
        indexing.remove_documents([self.key(instance.pk)])

    def _on_moved(self, sender: Any, instance: Page, **kwargs: Any) -> None:
        self.reindex_subtree(instance)

    def _on_deleted(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        if isinstance(instance, Page) and type(instance) is Page:
            indexing.remove_documents([self.key(instance.pk)])

    def restriction_changed(self, page: Page) -> None:
        self.reindex_subtree(page)

    def _on_restriction_changed(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        """The one listener for view restrictions: every source re-indexes what lies under."""
        forget_view_restrictions()
        page = getattr(instance, "page", None)
        if page is not None:
            # robust: what was saved stays saved; if this follow-up fails (database gone,
            # engine down) it is logged, not shown as an error page for something that was kept.
            transaction.on_commit(
                lambda: [source.restriction_changed(page) for source in all_sources()],
                robust=True,
            )


class OrganisationSource(SearchSource):
    """Organisations, so that searching "Barnet" finds the council as well as its work."""

    name = "organisation"
    kinds = {"organisation": gettext_lazy("Organisation")}

    def queryset(self) -> models.QuerySet:
        from learning.models import Organisation

        return Organisation.objects.select_related("region").order_by("pk")

    def count(self) -> int:
        return self.queryset().count()

    def batches(self, size: int) -> Iterator[list[IndexDocument]]:
        last_pk = 0
        while True:
            batch = list(self.queryset().filter(pk__gt=last_pk)[:size])
            if not batch:
                break
            last_pk = batch[-1].pk
            yield [self.document(org) for org in batch]

    def document(self, organisation: Any) -> IndexDocument:
        from learning.models import Region

        region = organisation.region
        kind_label = organisation.get_kind_display()
        return IndexDocument(
            key=self.key(organisation.pk),
            kind="organisation",
            title=organisation.name,
            url=organisation.get_absolute_url(),
            summary=f"{kind_label} in {region.name}" if region else kind_label,
            taxonomy=region.name if region else "",
            facets={
                "org": [organisation.pk],
                "region": Region.with_ancestors([region.pk]) if region else [],
            },
            display={"regions": [region.name] if region else []},
        )

    def connect(self) -> None:
        from learning.models import DeliveryLevel, Organisation, Region, Theme, TransformationModel

        post_save.connect(self._on_saved, sender=Organisation, dispatch_uid="search-org-saved")
        pre_delete.connect(self._on_deleting, sender=Organisation, dispatch_uid="search-org-del")
        for model in (Theme, Region, DeliveryLevel, TransformationModel):
            post_save.connect(
                self._on_taxonomy_saved, sender=model, dispatch_uid=f"search-tax-{model.__name__}"
            )

    def _on_saved(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        indexing.index_documents([self.document(instance)])
        if not kwargs.get("created"):
            self._on_taxonomy_saved(sender, instance)

    def _on_deleting(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        page_ids = list(instance.pages.values_list("pk", flat=True))
        indexing.remove_documents([self.key(instance.pk)])
        transaction.on_commit(lambda: reindex_pages(page_ids), robust=True)

    def _on_taxonomy_saved(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        """A renamed theme, place or organisation changes the text of every page filed under it."""
        if kwargs.get("created") or kwargs.get("raw"):
            return
        related = getattr(instance, "pages", None)
        if related is not None:
            reindex_pages(list(related.values_list("pk", flat=True)))


def reindex_pages(page_ids: list[int]) -> None:
    """Re-index the given pages (those still live and of an indexed type)."""
    source = PAGE_SOURCE
    pages = list(Page.objects.filter(pk__in=page_ids).live().specific())
    wanted = [page for page in pages if type(page) in source.models()]
    if wanted:
        indexing.index_documents(source.documents(source.refetch(wanted)))


PAGE_SOURCE = PageSource()
ORGANISATION_SOURCE = OrganisationSource()
