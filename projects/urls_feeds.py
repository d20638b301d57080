"""Feeds of new content: /feeds/latest.rss, /feeds/themes/<slug>.atom and so on."""

from django.urls import path, register_converter

from projects.feeds import feed


class FeedFormatConverter:
    """The feed's format, from the address's extension: rss or atom."""

    regex = "rss|atom"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormatConverter, "feedformat")

urlpatterns = [
    path("latest.<feedformat:fmt>", feed, {"kind": "latest"}, name="feed_latest"),
    path("themes/<slug:slug>.<feedformat:fmt>", feed, {"kind": "theme"}, name="feed_theme"),
    path("regions/<slug:slug>.<feedformat:fmt>", feed, {"kind": "region"}, name="feed_region"),
    path("tags/<slug:slug>.<feedformat:fmt>", feed, {"kind": "tag"}, name="feed_tag"),
]
