"""Wagtail API v2: read access to published, public content for anyone who wants to reuse it.

The API is the open-data view of the site: everything in it is what an anonymous visitor may
see (`visible_to(AnonymousUser())`), whoever asks. Wagtail's pages endpoint already limits
itself to live pages with no view restriction; the savings and reuse-link endpoints select
their rows on the same rule, and every reference to another page (a method used, a case
study reused, a project a learning history belongs to) is dropped when that page is not
public, so a public page never names a restricted one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.fields import Field
from wagtail.api import APIField
from wagtail.api.v2.filters import FieldsFilter, OrderingFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from learning.models import KnowledgePage, ReuseLink
from learning.models.base import view_restrictions
from learning.search_sources import PAGE_KINDS
from learning.serializers import PageRefSerializer, TaxonomyRefSerializer
from projects.models import SavingsRecord


def is_public(page: Any) -> bool:
    """Whether an anonymous visitor may see this page: `visible_to`'s rule for one loaded page.

    Anonymous visitors pass no view restriction of any kind, so a page is public when it is
    live and no restriction sits on it or above it. Read from the cached restriction list, so
    checking each reference in a listing costs no query.
    """
    if page is None or not page.live:
        return False
    return not any(page.path.startswith(path) for _kind, path, _groups in view_restrictions())


class PublicPageRefListSerializer(serializers.ListSerializer):
    """A list of page references with the pages an anonymous visitor may not see left out."""

    def to_representation(self, data: Any) -> list[dict]:
        pages = data.all() if hasattr(data, "all") else data
        return [self.child.to_representation(page) for page in pages if is_public(page)]


class PublicPageRefSerializer(PageRefSerializer):
    """A page reference (id, title, url) that is null when the page is not public."""

    class Meta:
        list_serializer_class = PublicPageRefListSerializer

    def to_representation(self, page: Any) -> dict | None:
        return super().to_representation(page) if is_public(page) else None


class PublicRefsMixin:
    """Swap every page reference in an endpoint (and the inlines it nests) for a public one."""

    @classmethod
    def get_field_serializer_overrides(cls, model: Any) -> dict:
        overrides = super().get_field_serializer_overrides(model)
        for name, serializer in overrides.items():
            child = getattr(serializer, "child", None)
            if isinstance(serializer, PublicPageRefSerializer) or isinstance(
                child, PublicPageRefSerializer
            ):
                continue
            if isinstance(child, PageRefSerializer):
                overrides[name] = PublicPageRefSerializer(many=True, read_only=True)
            elif isinstance(serializer, PageRefSerializer):
                overrides[name] = PublicPageRefSerializer(read_only=True)
        return overrides


class PublicPagesAPIViewSet(PublicRefsMixin, PagesAPIViewSet):
    """Wagtail's pages endpoint, with references to non-public pages left out."""


def public_page_ids() -> QuerySet:
    return KnowledgePage.objects.visible_to(AnonymousUser()).values("pk")


class SavingsPageSerializer(PublicPageRefSerializer):
    """The page that reported a saving: id, title, url and its kind (project, case-study...)."""

    type = serializers.SerializerMethodField()

    def get_type(self, page: Any) -> str:
        label = page.specific_class._meta.label if page.specific_class else ""
        return PAGE_KINDS.get(label, ("page", ""))[0]


class EffectiveLevelField(Field):
    """The level a saving is made at: the record's own level, or else its page's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record: SavingsRecord) -> dict | None:
        level = record.delivery_level or record.page.delivery_level
        return TaxonomyRefSerializer(level).data if level is not None else None


class CountedField(Field):
    """False when the saving is already counted in another record (so totals count it once)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record: SavingsRecord) -> bool:
        return record.duplicate_of_id is None


class ChoiceFilter(FieldsFilter):
    """Field filters that say which values are allowed instead of silently finding nothing."""

    def filter_queryset(self, request, queryset, view):
        for name, choices in getattr(view, "choice_filters", {}).items():
            value = request.GET.get(name)
            if value is not None and value not in choices:
                raise BadRequestError(
                    f"{name} must be one of: {', '.join(choices)} (got '{value}')"
                )
        return super().filter_queryset(request, queryset, view)


class SavingsAPIViewSet(PublicRefsMixin, BaseAPIViewSet):
    """/api/v2/savings/: every savings record on a public page, exactly as reported.

    Filter with ?page=<page id>, ?kind=, ?status=, ?period=; order with ?order=amount.
    `effective_delivery_level` is the record's own level or else its page's; `counted` is
    false for a record marked as the same saving as another, which totals leave out.
    """

    name = "savings"
    model = SavingsRecord
    filter_backends = [ChoiceFilter, OrderingFilter]
    body_fields = BaseAPIViewSet.body_fields + [
        APIField("page", serializer=SavingsPageSerializer(read_only=True)),
        APIField("effective_delivery_level", serializer=EffectiveLevelField()),
        APIField("counted", serializer=CountedField()),
        # Whole pounds as JSON numbers, not strings, so they add up without parsing.
        APIField("amount", serializer=serializers.IntegerField(read_only=True)),
        APIField("amount_high", serializer=serializers.IntegerField(read_only=True)),
        APIField("investment", serializer=serializers.IntegerField(read_only=True)),
    ]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + [
        "page",
        "description",
        "amount",
        "amount_high",
        "kind",
        "period",
        "years",
        "status",
        "paid_by",
        "benefits",
        "effective_delivery_level",
        "counted",
        "source",
    ]
    nested_default_fields = BaseAPIViewSet.nested_default_fields + [
        "description",
        "amount",
        "amount_high",
        "kind",
        "period",
        "status",
    ]
    choice_filters = {
        "kind": SavingsRecord.Kind.values,
        "status": SavingsRecord.Status.values,
        "period": SavingsRecord.Period.values,
    }

    def get_queryset(self) -> QuerySet:
        return (
            SavingsRecord.objects.filter(page__in=public_page_ids())
            .select_related("page", "page__delivery_level", "delivery_level")
            .order_by("page_id", "sort_order", "id")
        )


class ReuseLinksAPIViewSet(PublicRefsMixin, BaseAPIViewSet):
    """/api/v2/reuse-links/: which public work reused or adapted which public method or case
    study. Filter with ?page=<id of the reusing page>, ?source=<id of what was reused>,
    ?relation=reused|adapted."""

    name = "reuse-links"
    model = ReuseLink
    filter_backends = [ChoiceFilter, OrderingFilter]
    body_fields = BaseAPIViewSet.body_fields + [
        APIField("page", serializer=PublicPageRefSerializer(read_only=True)),
    ]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + [
        "page",
        "source",
        "relation",
        "note",
    ]
    nested_default_fields = BaseAPIViewSet.nested_default_fields + ["source", "relation"]
    choice_filters = {"relation": ReuseLink.Relation.values}

    def get_queryset(self) -> QuerySet:
        public = public_page_ids()
        return (
            ReuseLink.objects.filter(page__in=public, source__in=public)
            .select_related("page", "source")
            .order_by("page_id", "sort_order", "id")
        )


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
api_router.register_endpoint("savings", SavingsAPIViewSet)
api_router.register_endpoint("reuse-links", ReuseLinksAPIViewSet)
