"""Listings of knowledge pages with counts by type, used by every page that joins things up.

Theme, region, organisation, tag and index pages all show "everything here, newest first, with
counts, paginated". They share this one function so that each shows the same cards, counts the
same way and runs the same bounded number of queries (counts, one page of rows, and one
prefetch each for tags, themes and regions) however much content there is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

PER_PAGE = 20

# Whole plural names for the page types whose models set none. Django would otherwise make
# "<name>s" from the translated singular, which is wrong in Welsh; setting verbose_name_plural
# on those models instead would change their migrations for a label.
PLURAL_NAMES = {
    "projects.HighImpactProjectPage": gettext_lazy("high-impact projects"),
    "learning.MethodPage": gettext_lazy("methods"),
}


@dataclass
class TypeCount:
    """How many items of one content type a listing holds."""

    key: str
    label: str
    label_plural: str
    count: int
    selected: bool


@dataclass
class Listing:
    """One page of a filtered listing, ready for templates/includes/knowledge_listing.html."""

    page_obj: Page
    total: int
    type_counts: list[TypeCount] = field(default_factory=list)
    selected_type: str = ""

    @property
    def items(self) -> list:
        return list(self.page_obj.object_list)


def type_key(content_type: ContentType) -> str:
    """The short key used in ?type= for a page type, e.g. 'casestudy'."""
    return content_type.model.removesuffix("page")


def build_listing(request: HttpRequest, queryset: QuerySet, per_page: int = PER_PAGE) -> Listing:
    """Count `queryset` by type, apply ?type= and ?page=, and fetch one page of cards."""
    counts = dict(
        queryset.order_by()
        .values_list("content_type")
        .annotate(n=Count("pk"))
        .values_list("content_type", "n")
    )
    selected_type = request.GET.get("type", "")
    type_counts = []
    type_ids = {}
    for ct_id, n in counts.items():
        ct = ContentType.objects.get_for_id(ct_id)
        key = type_key(ct)
        type_ids[key] = ct_id
        model = ct.model_class()
        type_counts.append(
            TypeCount(
                key=key,
                label=str(model._meta.verbose_name).capitalize(),
                label_plural=str(
                    PLURAL_NAMES.get(model._meta.label, model._meta.verbose_name_plural)
                ).capitalize(),
                count=n,
                selected=key == selected_type,
            )
        )
    type_counts.sort(key=lambda t: t.label)
    if selected_type in type_ids:
        queryset = queryset.filter(content_type_id=type_ids[selected_type])
        total = counts[type_ids[selected_type]]
    else:
        selected_type = ""
        total = sum(counts.values())

    queryset = queryset.order_by("-first_published_at", "-pk").prefetch_related(
        "tags", "regions", "themes"
    )
    paginator = Paginator(queryset, per_page)
    # The total is already known from the counts: spare the paginator its own COUNT query.
    paginator.count = total
    try:
        page_obj = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return Listing(
        page_obj=page_obj, total=total, type_counts=type_counts, selected_type=selected_type
    )


def type_label(page) -> str:
    """The human name of a page's specific type, without loading the specific page."""
    model = ContentType.objects.get_for_id(page.content_type_id).model_class()
    return str(model._meta.verbose_name).capitalize()
