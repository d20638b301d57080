"""Wagtail API v2: read access to published, public content for anyone who wants to reuse it."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
# Wagtail's pages endpoint already limits itself to live pages with no view restriction, which
# is exactly what `visible_to` gives an anonymous visitor: the API is the open-data view.
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
api_router.register_endpoint("documents", DocumentsAPIViewSet)
