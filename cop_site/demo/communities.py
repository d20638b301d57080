"""Load the communities of practice in `data/communities.yaml`, idempotently.

The communities themselves (002 section 10.8: programme leads, one national community per high
impact theme, one per Welsh region, senior leaders, politicians) always load, as live pages
under the communities index. Development demo accounts, their memberships and the forum threads
load only when settings.DEBUG is on: every post needs an author, and demo accounts with a known
password must never exist on a production site.

Everything is matched rather than recreated: communities by slug, accounts by username,
memberships by (community, user), threads by (community, title), posts by (thread, author, the
start of the body). A second run writes nothing, and an existing account's password is only
changed when DEMO_PASSWORD is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

import yaml
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from communities.models import (
    CommunityIndexPage,
    CommunityPage,
    Membership,
    Post,
    Profile,
    Thread,
)
from cop_site.demo.loader import DATA_DIR, DemoDataError, LoadReport
from cop_site.site_structure import CURATORS, PROJECT_LEADS, ensure_site_structure
from learning.models import Organisation, Region, Theme
from projects.models import HighImpactProjectPage

COMMUNITIES_FILE = DATA_DIR / "communities.yaml"
DEFAULT_DEMO_PASSWORD = "exchange-demo"  # noqa: S105  development-only accounts  # nosec B105
DEMO_EMAIL_DOMAIN = "example.org"
# Posts are recognised by their opening words, so a later edit to the wording updates the post.
BODY_KEY_LENGTH = 60

Log = Callable[[str], None]


def read_communities(path: Path = COMMUNITIES_FILE) -> dict[str, list]:
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(content) - {"communities", "demo_accounts", "threads", "events"}
    if unknown:
        raise DemoDataError(f"{path.name}: unknown section(s) {', '.join(sorted(unknown))}")
    return {
        key: content.get(key) or [] for key in ("communities", "demo_accounts", "threads", "events")
    }


def _choices(model: Any, field_name: str) -> set[str]:
    return {value for value, _label in model._meta.get_field(field_name).choices}


def validate_communities(data: dict[str, list]) -> None:
    """Check every reference and vocabulary; raise DemoDataError listing every problem."""
    problems: list[str] = []
    themes = set(Theme.objects.values_list("slug", flat=True))
    regions = set(Region.objects.values_list("slug", flat=True))
    organisations = set(Organisation.objects.values_list("slug", flat=True))
    projects = set(HighImpactProjectPage.objects.values_list("slug", flat=True))
    groups = set(Group.objects.values_list("name", flat=True))

    def check(where: str, kind: str, values: Any, allowed: set[str]) -> None:
        for value in values if isinstance(values, list) else [values]:
            if value not in (None, "") and value not in allowed:
                problems.append(f"{where}: unknown {kind} '{value}'")

    communities: dict[str, dict] = {}
    for item in data["communities"]:
        where = f"community {item['slug']}"
        if item["slug"] in communities:
            problems.append(f"{where}: defined twice")
        communities[item["slug"]] = item
        for key in ("kind", "visibility", "join_policy"):
            check(where, key, item.get(key), _choices(CommunityPage, key))
        check(where, "theme", item.get("themes", []), themes)
        check(where, "region", item.get("regions", []), regions)
        if not (item.get("summary") and item.get("description")):
            problems.append(f"{where}: needs a summary and a description")

    members: dict[str, set[str]] = {}
    curators: set[str] = set()
    for account in data["demo_accounts"]:
        name = account["username"]
        where = f"demo account {name}"
        if name in members:
            problems.append(f"{where}: defined twice")
        members[name] = set()
        if CURATORS in account.get("groups", []):
            curators.add(name)
        check(where, "organisation", account.get("organisation"), organisations)
        check(where, "region", account.get("region"), regions)
        check(where, "theme", account.get("themes", []), themes)
        check(where, "project", account.get("projects", []), projects)
        check(where, "led project", account.get("leads", []), projects)
        if account.get("leads") and PROJECT_LEADS not in account.get("groups", []):
            problems.append(f"{where}: leads a project, so must be in the '{PROJECT_LEADS}' group")
        check(where, "group", account.get("groups", []), groups)
        for membership in account.get("memberships", []):
            check(where, "community", membership["community"], set(communities))
            check(where, "role", membership.get("role"), _choices(Membership, "role"))
            check(where, "status", membership.get("status"), _choices(Membership, "status"))
            if membership.get("status", "active") == "active":
                members[name].add(membership["community"])

    seen_threads: set[tuple[str, str]] = set()
    for thread in data["threads"]:
        where = f"thread '{thread['title']}'"
        key = (thread["community"], thread["title"])
        if key in seen_threads:
            problems.append(f"{where}: defined twice in {thread['community']}")
        seen_threads.add(key)
        check(where, "community", thread["community"], set(communities))
        check(where, "theme", thread.get("theme"), themes)
        if sum(1 for reply in thread.get("replies", []) if reply.get("answer")) > 1:
            problems.append(f"{where}: more than one reply marked as the answer")
        hours = [reply.get("hours_after", 0) for reply in thread.get("replies", [])]
        if hours != sorted(hours) or any(h <= 0 for h in hours):
            problems.append(f"{where}: replies must come after the opening post, in order")
        for post in [thread, *thread.get("replies", [])]:
            author = post["author"]
            if author not in members:
                problems.append(f"{where}: unknown author '{author}'")
            elif thread["community"] not in members[author] and author not in curators:
                problems.append(f"{where}: '{author}' may not post in {thread['community']}")
            if not post.get("body", "").strip():
                problems.append(f"{where}: a post by '{author}' has no body")
    if problems:
        raise DemoDataError("The communities data has problems:\n  " + "\n  ".join(problems))


def _tag_name(tag: str) -> str:
    # The same spelling the page loader gives tags, so a tag means one thing site-wide.
    return tag.replace("-", " ").strip().lower()


class CommunityLoader:
    """Creates or updates communities and, in development, the demo people and their forums."""

    def __init__(
        self, data: dict[str, list], log: Log, report: LoadReport, accounts: bool = True
    ) -> None:
        self.accounts = accounts
        self.data = data
        self.log = log
        self.report = report
        self.communities: dict[str, CommunityPage] = {}
        self.users: dict[str, Any] = {}

    # communities ------------------------------------------------------------------------

    @staticmethod
    def _index() -> CommunityIndexPage:
        index = CommunityIndexPage.objects.first()
        return index or ensure_site_structure().sections["communities"]

    def load_communities(self) -> None:
        index = self._index()
        for item in self.data["communities"]:
            values = {
                "title": item["title"],
                "summary": item["summary"].strip(),
                "description": item["description"].strip(),
                "kind": item["kind"],
                "visibility": item["visibility"],
                "join_policy": item["join_policy"],
            }
            m2m = {
                "themes": list(Theme.objects.filter(slug__in=item.get("themes", []))),
                "regions": list(Region.objects.filter(slug__in=item.get("regions", []))),
            }
            page = CommunityPage.objects.child_of(index).filter(slug=item["slug"]).first()
            if page is not None and self._page_matches(page, values, m2m):
                self.report.record("communities", "unchanged")
                self.communities[item["slug"]] = page
                continue
            is_new = page is None
            if is_new:
                page = CommunityPage(slug=item["slug"])
            for key, value in {**values, **m2m}.items():
                setattr(page, key, value)
            if is_new:
                index.add_child(instance=page)
            page.save_revision().publish()
            self.report.record("communities", "created" if is_new else "updated")
            self.communities[item["slug"]] = page

    @staticmethod
    def _page_matches(page: CommunityPage, values: dict, m2m: dict) -> bool:
        if any(getattr(page, key) != value for key, value in values.items()):
            return False
        return all(
            set(getattr(page, name).values_list("pk", flat=True)) == {o.pk for o in objects}
            for name, objects in m2m.items()
        )

    # demo accounts ----------------------------------------------------------------------

    def load_accounts(self) -> None:
        env_password = os.environ.get("DEMO_PASSWORD")
        password = env_password or DEFAULT_DEMO_PASSWORD
        user_model = get_user_model()
        for account in self.data["demo_accounts"]:
            username = account["username"]
            email = f"{username}@{DEMO_EMAIL_DOMAIN}"
            user = user_model.objects.filter(username=username).first()
            changed = False
            if user is None:
                user = user_model(
                    username=username,
                    email=email,
                    is_staff=bool(account.get("staff")),
                    # Older than the new-account limits, so the personas can post freely.
                    date_joined=timezone.now() - timedelta(days=90),
                )
                user.set_password(password)
                user.save()
                outcome = "created"
            else:
                outcome = "unchanged"
                if user.email != email:
                    user.email, changed = email, True
                if account.get("staff") and not user.is_staff:
                    user.is_staff, changed = True, True
                # An existing account keeps its password unless one is asked for explicitly.
                if env_password and not user.check_password(env_password):
                    user.set_password(env_password)
                    changed = True
                if changed:
                    user.save()
            changed |= self._ensure_email(user, email)
            changed |= self._ensure_groups(user, account.get("groups", []))
            changed |= self._ensure_leads(user, account.get("leads", []))
            changed |= self._ensure_profile(user, account)
            if outcome == "unchanged" and changed:
                outcome = "updated"
            self.report.record("demo accounts", outcome)
            self.users[username] = user
            for membership in account.get("memberships", []):
                self._ensure_membership(user, membership)

    @staticmethod
    def _ensure_email(user: Any, email: str) -> bool:
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is not None and address.verified and address.primary:
            return False
        EmailAddress.objects.filter(user=user, primary=True).exclude(
            pk=getattr(address, "pk", None)
        ).update(primary=False)
        if address is None:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        else:
            address.verified = address.primary = True
            address.save()
        return True

    @staticmethod
    def _ensure_groups(user: Any, names: list[str]) -> bool:
        missing = Group.objects.filter(name__in=names).exclude(user=user)
        if not missing.exists():
            return False
        user.groups.add(*missing)
        return True

    @staticmethod
    def _ensure_leads(user: Any, slugs: list[str]) -> bool:
        """The projects this account leads (may edit): projects.leads grants the permission."""
        from projects.leads import make_lead

        changed = False
        for project in HighImpactProjectPage.objects.filter(slug__in=slugs):
            changed |= make_lead(user, project)
        return changed

    @staticmethod
    def _ensure_profile(user: Any, account: dict) -> bool:
        profile, created = Profile.objects.get_or_create(user=user)
        values = {
            "display_name": account.get("display_name", ""),
            "job_title": account.get("job_title", ""),
            "organisation": Organisation.objects.filter(slug=account.get("organisation")).first(),
            "region": Region.objects.filter(slug=account.get("region")).first(),
            "bio": (account.get("bio") or "").strip(),
        }
        changed = created
        for key, value in values.items():
            if getattr(profile, key) != value:
                setattr(profile, key, value)
                changed = True
        if changed:
            profile.save()
        for name, model, slugs in (
            ("themes", Theme, account.get("themes", [])),
            ("projects", HighImpactProjectPage, account.get("projects", [])),
        ):
            wanted = set(model.objects.filter(slug__in=slugs).values_list("pk", flat=True))
            if set(getattr(profile, name).values_list("pk", flat=True)) != wanted:
                getattr(profile, name).set(wanted)
                changed = True
        return changed

    def _ensure_membership(self, user: Any, item: dict) -> None:
        community = self.communities[item["community"]]
        wanted = {
            "role": item.get("role", Membership.Role.MEMBER),
            "status": item.get("status", Membership.Status.ACTIVE),
        }
        membership = Membership.objects.filter(community=community, user=user).first()
        if membership is None:
            Membership.objects.create(community=community, user=user, **wanted)
            self.report.record("memberships", "created")
        elif any(getattr(membership, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(membership, key, value)
            membership.save()
            self.report.record("memberships", "updated")
        else:
            self.report.record("memberships", "unchanged")

    # threads ----------------------------------------------------------------------------

    def load_threads(self) -> None:
        # Whole hours, so that the demo reads as if people posted over the last few weeks.
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        themes = {t.slug: t for t in Theme.objects.all()}
        for item in self.data["threads"]:
            community = self.communities[item["community"]]
            opened = now - timedelta(days=item.get("days_ago", 1))
            thread = Thread.objects.filter(community=community, title=item["title"]).first()
            is_new = thread is None
            if is_new:
                thread = Thread(
                    community=community,
                    title=item["title"],
                    author=self.users[item["author"]],
                    created=opened,
                    last_activity=opened,
                )
            else:
                opened = thread.created
            theme = themes.get(item.get("theme"))
            changed = self._set(thread, "theme_id", theme.pk if theme else None)
            changed |= self._set(thread, "pinned", bool(item.get("pinned")))
            wanted_tags = {_tag_name(t) for t in item.get("tags", [])}
            if is_new or {t.lower() for t in thread.tags.names()} != wanted_tags:
                thread.tags.set(sorted(wanted_tags))
                changed = True
            if is_new:
                thread.save()

            answer = None
            for n, post_item in enumerate([item, *item.get("replies", [])]):
                created = opened + timedelta(hours=post_item.get("hours_after", 0))
                post = self._ensure_post(thread, post_item, created, is_first=n == 0)
                if post_item.get("answer"):
                    answer = post
            changed |= self._set(thread, "answer_id", answer.pk if answer else None)
            changed |= self._set(thread, "reply_count", max(thread.posts.count() - 1, 0))
            latest = thread.posts.order_by("-created").values_list("created", flat=True).first()
            changed |= self._set(thread, "last_activity", latest or thread.created)
            if changed or is_new:
                thread.save()
            self.report.record(
                "threads", "created" if is_new else ("updated" if changed else "unchanged")
            )

    @staticmethod
    def _set(obj: Any, name: str, value: Any) -> bool:
        if getattr(obj, name) == value:
            return False
        setattr(obj, name, value)
        return True

    def _ensure_post(self, thread: Thread, item: dict, created: Any, is_first: bool) -> Post:
        author = self.users[item["author"]]
        body = item["body"].strip()
        post = Post.objects.filter(
            thread=thread, author=author, body__startswith=body[:BODY_KEY_LENGTH]
        ).first()
        if post is None:
            post = Post.objects.create(thread=thread, author=author, body=body, created=created)
            self.report.record("posts", "created")
        elif post.body != body:
            post.body = body
            post.save(update_fields=["body"])
            self.report.record("posts", "updated")
        else:
            self.report.record("posts", "unchanged")
        return post

    def run(self) -> None:
        with transaction.atomic():
            self.log(f"Communities of practice ({len(self.data['communities'])})")
            self.load_communities()
            if not settings.DEBUG:
                self.log("Demo accounts and forum threads skipped (DJANGO_DEBUG is off)")
                return
            if not self.accounts:
                self.log("Demo accounts and forum threads skipped (--no-accounts)")
                return
            self.log(f"Demo accounts ({len(self.data['demo_accounts'])}, development only)")
            self.load_accounts()
            self.log(f"Forum threads ({len(self.data['threads'])})")
            self.load_threads()
            self.log(f"Events ({len(self.data['events'])})")
            self.load_events()

    # events -----------------------------------------------------------------------------

    def load_events(self) -> None:
        """Demo events, dated from today so they stay upcoming; RSVPs through the real rules."""
        from zoneinfo import ZoneInfo

        from communities.events import rsvp
        from communities.models import RSVP, Event

        london = ZoneInfo(settings.TIME_ZONE)
        today = timezone.localdate()
        for item in self.data["events"]:
            community = (
                self.communities.get(item.get("community")) if item.get("community") else None
            )
            event = Event.objects.filter(community=community, title=item["title"]).first()
            if event is None:
                day = today + timedelta(days=item["days_ahead"])
                start = datetime.combine(day, time(item.get("start_hour", 10)), tzinfo=london)
                event = Event.objects.create(
                    community=community,
                    title=item["title"],
                    description=item["description"].strip(),
                    format=item.get("format", "in_person"),
                    start=start,
                    end=start + timedelta(hours=item.get("hours", 3)),
                    venue_name=item.get("venue_name", ""),
                    venue_address=item.get("venue_address", ""),
                    joining_link=item.get("joining_link", ""),
                    capacity=item.get("capacity"),
                    organiser=self.users[item["organiser"]],
                )
                self.report.record("events", "created")
            else:
                self.report.record("events", "unchanged")
            for username in item.get("going", []):
                if not RSVP.objects.filter(event=event, user=self.users[username]).exists():
                    rsvp(event, self.users[username], "going")


def _logger(stdout: TextIO | Log | None) -> Log:
    if callable(stdout):
        return stdout
    stream = stdout or sys.stdout
    return lambda line: stream.write(f"{line}\n")


def load_communities(
    stdout: TextIO | Log | None = None,
    *,
    report: LoadReport | None = None,
    path: Path = COMMUNITIES_FILE,
    accounts: bool = True,
) -> LoadReport:
    """Read, check and load the communities (and, in development, demo people and threads).

    `stdout` is a stream or a function taking one line (the page loader passes its log); the
    outcome is added to `report` when given, so one report covers the whole demo load.
    """
    report = report if report is not None else LoadReport()
    data = read_communities(path)
    validate_communities(data)
    CommunityLoader(data, _logger(stdout), report, accounts).run()
    return report


__all__ = ["COMMUNITIES_FILE", "load_communities", "read_communities", "validate_communities"]
