"""manage.py load_demo_content: the demo content from the source reports, idempotently."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from cop_site.demo.loader import DemoDataError, load_demo_content
from cop_site.site_structure import CURATORS, PROJECT_LEADS
from search import indexing
from search.engines import get_engine
from search.engines.base import EngineUnavailable

# Development-only accounts; never created when DJANGO_DEBUG is off.
DEFAULT_DEMO_PASSWORD = "exchange-demo"  # noqa: S105  # nosec B105

# (username, description, group, is_superuser)
DEMO_ACCOUNTS = [
    ("admin", "site administrator (Wagtail admin)", None, True),
    ("demo-curator", "curator: approves and publishes", CURATORS, False),
    ("demo-lead", "project lead: writes and submits for approval", PROJECT_LEADS, False),
]


class Command(BaseCommand):
    help = (
        "Load the demo content (themes, regions, organisations, projects, case studies, "
        "methods, learning histories). Safe to run repeatedly: only differences are written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="Do not create the development-only demo accounts.",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            report = load_demo_content(
                log=lambda line: self.stdout.write(f"  {line}"),
                accounts=not options["no_accounts"],
            )
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(f"  {line}")
        verdict = "loaded" if report.changed_anything else "already up to date"
        self.stdout.write(
            self.style.SUCCESS(f"Demo content {verdict} in {time.monotonic() - started:.1f} s.")
        )
        # Publishing already indexed each page; a rebuild after a change makes sure the index
        # matches the content exactly (and fills an empty index after a fresh migrate).
        try:
            if report.changed_anything or not get_engine().document_count():
                written, seconds = indexing.rebuild(lambda line: self.stdout.write(f"  {line}"))
                self.stdout.write(
                    f"Search index rebuilt: {written:,} documents in {seconds:.1f} s."
                )
        except EngineUnavailable as error:
            # The content is loaded; only search waits for the engine to come back.
            self.stderr.write(
                self.style.WARNING(
                    f"Search index not rebuilt: {error}\nRun `manage.py search_index "
                    "--rebuild` once it answers, or unset ELASTICSEARCH_URL."
                )
            )
        if settings.DEBUG and not options["no_accounts"]:
            self.ensure_demo_accounts()

    def ensure_demo_accounts(self) -> None:
        """Development-only accounts, so a person can try each role straight away."""
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        user_model = get_user_model()
        self.stdout.write(f"Development accounts (DJANGO_DEBUG is on), password '{password}':")
        for username, description, group_name, is_superuser in DEMO_ACCOUNTS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.invalid",
                    "is_superuser": is_superuser,
                    "is_staff": is_superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            state = "created" if created else "exists, password unchanged"
            self.stdout.write(f"  {username:<14} {description} ({state})")
        self.stdout.write(f"Sign in at {settings.WAGTAILADMIN_BASE_URL}/admin/")
