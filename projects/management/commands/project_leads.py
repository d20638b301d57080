"""manage.py project_leads: who may keep each project's page current."""

from __future__ import annotations

from argparse import ArgumentParser

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.leads import leads_of, make_lead, remove_lead
from projects.models import HighImpactProjectPage


class Command(BaseCommand):
    help = (
        "List, add or remove project leads. A lead may edit their own project's page (savings, "
        "milestones, barriers and enablers) and add learning histories under it; edits still go "
        "to a curator for approval."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List each project and its leads.")
        listing.add_argument("--project", help="Only this project (its slug).")
        for name, text in (("add", "Make a user a lead of a project."),
                           ("remove", "Stop a user leading a project.")):  # fmt: skip
            action = actions.add_parser(name, help=text)
            action.add_argument("username")
            action.add_argument("project", help="The project's slug.")

    def handle(self, *args, **options) -> None:
        if options["action"] == "list":
            self._list(options.get("project"))
            return
        user = self._user(options["username"])
        project = self._project(options["project"])
        if options["action"] == "add":
            if make_lead(user, project):
                self.stdout.write(self.style.SUCCESS(f"{user} now leads “{project.title}”."))
            else:
                self.stdout.write(f"{user} already leads “{project.title}”: nothing changed.")
        elif remove_lead(user, project):
            self.stdout.write(self.style.SUCCESS(f"{user} no longer leads “{project.title}”."))
        else:
            self.stdout.write(f"{user} was not a lead of “{project.title}”: nothing changed.")

    def _list(self, slug: str | None) -> None:
        projects = HighImpactProjectPage.objects.order_by("title")
        if slug:
            projects = projects.filter(pk=self._project(slug).pk)
        if not projects.exists():
            self.stdout.write("There are no projects yet.")
            return
        for project in projects:
            names = ", ".join(user.get_username() for user in leads_of(project)) or "no leads"
            self.stdout.write(f"{project.slug}: {names}")

    @staticmethod
    def _user(username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user is called '{username}'.") from None

    @staticmethod
    def _project(slug: str) -> HighImpactProjectPage:
        found = list(HighImpactProjectPage.objects.filter(slug=slug)[:2])
        if not found:
            raise CommandError(
                f"No project has the slug '{slug}'. `manage.py project_leads list` shows them."
            )
        if len(found) > 1:
            raise CommandError(f"More than one project has the slug '{slug}'.")
        return found[0]
