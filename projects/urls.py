"""URLs of the programme picture. Each area keeps its own URL module, included here."""

from django.urls import include, path

urlpatterns: list = [
    path("evidence/", include("projects.urls_evidence")),
    path("savings/", include("projects.urls_savings")),
    path("who-is-doing-what/", include("projects.urls_where")),
    path("delivery-levels/", include("projects.urls_levels")),
    path("barriers-and-enablers/", include("projects.urls_barriers")),
    path("reuse/", include("projects.urls_reuse")),
    path("data/", include("projects.urls_data")),
    path("feeds/", include("projects.urls_feeds")),
]
