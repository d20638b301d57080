"""manage.py setup_site: make sure the home page, sections, groups and workflow exist."""

from django.core.management.base import BaseCommand

from cop_site.site_structure import ensure_site_structure


class Command(BaseCommand):
    help = "Create the home page, section pages, editor groups and moderation workflow."

    def handle(self, *args, **options) -> None:
        structure = ensure_site_structure()
        self.stdout.write(
            self.style.SUCCESS(
                f"Site structure ready: home page and {len(structure.sections)} sections, "
                "groups 'Project leads' and 'Curators', workflow 'Curator approval'."
            )
        )
