from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search service over everything people publish, with facets and permissions."""

    name = "search"
