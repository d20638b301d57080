from django.apps import AppConfig


class CopSiteConfig(AppConfig):
    """Site-wide pieces: settings, URLs, the home page, demo content and set-up commands."""

    name = "cop_site"
    verbose_name = "Site"

    def ready(self) -> None:
        # Cymraeg: links to English pages from the Welsh site stay on the Welsh site.
        from cop_site.i18n import keep_links_in_the_visitors_language

        keep_links_in_the_visitors_language()

        # The page cache is emptied whenever content anyone may see changes.
        from cop_site import page_cache

        page_cache.connect_signals()
