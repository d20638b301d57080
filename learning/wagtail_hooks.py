"""Admin menus for the shared vocabulary: one "Taxonomy" menu that curators maintain."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from learning.models import (
    DeliveryLevel,
    Organisation,
    Region,
    ServiceFunction,
    Theme,
    TransformationModel,
)


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    list_display = ["name", "slug"]
    search_fields = ["name", "summary"]


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "site"
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]


class DeliveryLevelViewSet(SnippetViewSet):
    model = DeliveryLevel
    icon = "order"
    list_display = ["name", "order"]


class TransformationModelViewSet(SnippetViewSet):
    model = TransformationModel
    icon = "cogs"
    list_display = ["name", "slug"]


class ServiceFunctionViewSet(SnippetViewSet):
    model = ServiceFunction
    icon = "list-ul"
    list_display = ["name", "recommended_level", "service_area"]
    list_filter = ["recommended_level"]
    search_fields = ["name", "description"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = "Taxonomy"
    menu_icon = "folder-open-inverse"
    menu_order = 300
    items = (
        ThemeViewSet,
        RegionViewSet,
        OrganisationViewSet,
        DeliveryLevelViewSet,
        TransformationModelViewSet,
        ServiceFunctionViewSet,
    )


register_snippet(TaxonomyGroup)
