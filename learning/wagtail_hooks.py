"""Admin menus for the shared vocabulary: one "Taxonomy" menu that curators maintain.

Each menu item is named in the plural here: Django would make the plural from the translated
singular ("<name>s"), which is wrong in Welsh, and naming it on the model would change the
migrations for a label.
"""

from django.utils.translation import gettext_lazy
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
    menu_label = gettext_lazy("Themes")
    icon = "tag"
    list_display = ["name", "slug"]
    search_fields = ["name", "summary"]


class RegionViewSet(SnippetViewSet):
    model = Region
    menu_label = gettext_lazy("Regions")
    icon = "site"
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    menu_label = gettext_lazy("Organisations")
    icon = "group"
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]


class DeliveryLevelViewSet(SnippetViewSet):
    model = DeliveryLevel
    menu_label = gettext_lazy("Delivery levels")
    icon = "order"
    list_display = ["name", "order"]


class TransformationModelViewSet(SnippetViewSet):
    model = TransformationModel
    menu_label = gettext_lazy("Transformation models")
    icon = "cogs"
    list_display = ["name", "slug"]


class ServiceFunctionViewSet(SnippetViewSet):
    model = ServiceFunction
    menu_label = gettext_lazy("Service functions")
    icon = "list-ul"
    list_display = ["name", "recommended_level", "service_area"]
    list_filter = ["recommended_level"]
    search_fields = ["name", "description"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Taxonomy")
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
