from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search across every kind of content (the search service arrives with its own issue)."""

    name = "search"
