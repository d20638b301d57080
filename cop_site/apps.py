from django.apps import AppConfig


class CopSiteConfig(AppConfig):
    """Site-wide pieces: settings, URLs, the home page, demo content and set-up commands."""

    name = "cop_site"
    verbose_name = "Site"
