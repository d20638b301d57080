"""URL configuration: admin, API, site views, then Wagtail's page tree for everything else."""

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cop_site.api import api_router
from cop_site.sitemaps import SITEMAPS
from learning import views as learning_views
from search import views as search_views
from search.api import api as search_api

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("communities.urls")),
    path("", include("projects.urls")),
    path("accounts/", include("allauth.urls")),
    path("search/", search_views.search, name="search"),
    path("api/search/", search_api.urls),
    path("organisations/", learning_views.organisation_list, name="organisation_list"),
    path(
        "organisations/<slug:slug>/",
        learning_views.organisation_detail,
        name="organisation_detail",
    ),
    path("tags/", learning_views.tag_list, name="tag_list"),
    path("tags/<slug:slug>/", learning_views.tag_detail, name="tag_detail"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    urlpatterns += [
        path("styleguide/", TemplateView.as_view(template_name="styleguide.html")),
    ]

urlpatterns += [path("", include(wagtail_urls))]
