from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search service over everything people publish, with facets and permissions."""

    name = "search"

    def ready(self) -> None:
        # A page's other language versions say where else it exists: keep them current.
        from search import translations

        translations.connect()
