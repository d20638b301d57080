"""URL configuration: machine endpoints unprefixed, every page people read under /en/ or /cy/.

Programs (the admin, the APIs, open data files, feeds, the sitemap, calendars, health checks)
use the same address in every language. Pages are under a language prefix (`i18n_patterns`);
an unprefixed page address redirects to the visitor's language (their cookie, else their
browser's, else English). Wagtail's page tree comes last, through `cop_site.i18n.serve`, which
shows the English page where the Welsh tree has none.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from communities import digests
from communities.views import events as event_views
from cop_site import i18n
from cop_site.api import api_router
from cop_site.health import health
from cop_site.sitemaps import SITEMAPS
from learning import views as learning_views
from projects import urls as project_urls
from search import views as search_views
from search.api import api as search_api

urlpatterns = [
    # For load balancers and uptime checks: database, cache and search engine (cop_site.health).
    path("health/", health, name="health"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/search/", search_api.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("", include(project_urls.machine_urlpatterns)),
    # Calendar subscriptions keep one address whatever the language they were copied from.
    path("events/feed/<int:community_id>.ics", event_views.community_feed, name="calendar_feed"),
    path("events/<int:pk>/event.ics", event_views.event_ics, name="event_calendar"),
    # Unsubscribe links in emails sent before the language prefixes (one-click POSTs included);
    # new emails link to the prefixed address in the member's language.
    path("notifications/unsubscribe/<str:token>/", digests.unsubscribe_view),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's front-end URLs, with its page view replaced by the one that falls back to English.
wagtail_patterns = [p for p in wagtail_urls.urlpatterns if p.name != "wagtail_serve"] + [
    re_path(wagtail_urls.serve_pattern, i18n.serve, name="wagtail_serve")
]

interface = [
    path("", include("communities.urls")),
    path("", include(project_urls.urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("search/", search_views.search, name="search"),
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
    interface += [path("styleguide/", TemplateView.as_view(template_name="styleguide.html"))]

urlpatterns += i18n_patterns(
    *interface, path("", include(wagtail_patterns)), prefix_default_language=True
)
