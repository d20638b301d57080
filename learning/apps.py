from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Taxonomy and knowledge content."""

    name = "learning"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from wagtail.models import PageViewRestriction

        from learning.models.base import forget_view_restrictions

        # A cached list of view restrictions must never outlive a change to them.
        for signal in (post_save, post_delete):
            signal.connect(forget_view_restrictions, sender=PageViewRestriction)
        m2m_changed.connect(forget_view_restrictions, sender=PageViewRestriction.groups.through)

        # Pages and organisations are what search finds; their source keeps the index current.
        from learning.search_sources import ORGANISATION_SOURCE, PAGE_SOURCE
        from search.sources import register

        register(PAGE_SOURCE)
        register(ORGANISATION_SOURCE)
