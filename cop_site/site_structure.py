"""The fixed skeleton of the site: home page, sections, editor groups and moderation.

Everything here is idempotent, so `manage.py setup_site` (run by `make run`, by the demo
loader and by the tests) can be run at any time to bring a database up to the expected shape
without touching content that editors have changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from communities.models import CommunityIndexPage
from cop_site.models import HomePage
from learning.models import (
    CaseStudyIndexPage,
    LearningHistoryIndexPage,
    MethodIndexPage,
    RegionIndexPage,
    ThemeIndexPage,
)
from projects.models import ProjectIndexPage

PROJECT_LEADS = "Project leads"
CURATORS = "Curators"
WORKFLOW_NAME = "Curator approval"

# (model, slug, title, introduction)
SECTIONS = [
    (
        ProjectIndexPage,
        "projects",
        "High-impact projects",
        'The "big ticket" projects of the programme: one theme each, a named lead '
        "organisation, partners across a region, and what they are learning and saving.",
    ),
    (
        LearningHistoryIndexPage,
        "learning-histories",
        "Learning histories",
        "Jointly told tales of how people in a place learned to think and work differently: "
        "participants' own words beside a learning historian's reading of them.",
    ),
    (
        CaseStudyIndexPage,
        "case-studies",
        "Case studies",
        "What councils, health bodies, police and their partners did, what came of it, what "
        "it saved, and who to ask about it.",
    ),
    (
        MethodIndexPage,
        "methods",
        "Methods",
        "Reusable ways of working: counting what is spent in a place, deep dives, mapping "
        "citizens' journeys, learning cycles and more, with where each has been used.",
    ),
    (
        CommunityIndexPage,
        "communities",
        "Communities of practice",
        "Groups of programme leads, practitioners, senior leaders and politicians who meet, "
        "online and in person, to share what they are learning.",
    ),
    (
        ThemeIndexPage,
        "themes",
        "Themes",
        "Everything on the exchange, by the policy theme it is about.",
    ),
    (
        RegionIndexPage,
        "regions",
        "Regions",
        "Everything on the exchange, by the place it happened in: Wales and England, their "
        "regions and local areas.",
    ),
]

# Pages whose new and changed content waits for a curator's approval before publication.
MODERATED_SECTIONS = ["projects", "learning-histories", "case-studies"]


@dataclass
class SiteStructure:
    """The pages `ensure_site_structure` made sure exist, by slug."""

    home: HomePage
    sections: dict[str, Page]


def _ensure_home() -> HomePage:
    home = HomePage.objects.filter(depth=2).first()
    if home is None:
        # Wagtail's installer leaves a plain "Welcome" page (and a Site pointing at it) in the
        # slot the home page needs; nothing else uses it.
        plain_page = ContentType.objects.get_for_model(Page)
        for welcome in Page.objects.filter(depth=2, content_type=plain_page, numchild=0):
            welcome.delete()
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=HomePage(
                title="Public Service Learning Exchange",
                slug="home",
                introduction=(
                    "Councils, health boards, police and third-sector bodies across Wales and "
                    "England publish their transformation projects, learning histories and "
                    "case studies here, meet in communities of practice, and find who is doing "
                    "what, what it saved, and which methods they can reuse."
                ),
                summary="Find who is doing what across public services, and reuse what works.",
            )
        )
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True,
            site_name="Public Service Learning Exchange",
        )  # fmt: skip
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def _ensure_sections(home: HomePage) -> dict[str, Page]:
    sections: dict[str, Page] = {}
    for model, slug, title, introduction in SECTIONS:
        page = model.objects.child_of(home).first()
        if page is None:
            page = home.add_child(
                instance=model(
                    title=title, slug=slug, introduction=introduction, summary=introduction
                )
            )
            page.save_revision().publish()
        sections[slug] = page
    return sections


def _permissions(*codenames: str) -> list[Permission]:
    perms = []
    for codename in codenames:
        app_label, code = codename.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=code))
    return perms


def _grant_pages(group: Group, page: Page, *kinds: str) -> None:
    for kind in kinds:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=f"{kind}_page"
        )
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _grant_collection(group: Group, *codenames: str) -> None:
    root = Collection.get_first_root_node()
    for permission in _permissions(*codenames):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=permission
        )


TAXONOMY_MODELS = ["theme", "region", "organisation", "deliverylevel", "transformationmodel"]


def _ensure_groups(home: HomePage, sections: dict[str, Page]) -> tuple[Group, Group]:
    """Project leads write and submit; curators approve, publish and keep the taxonomy."""
    leads, _ = Group.objects.get_or_create(name=PROJECT_LEADS)
    curators, _ = Group.objects.get_or_create(name=CURATORS)

    leads.permissions.add(
        *_permissions(
            "wagtailadmin.access_admin",
            *[f"learning.view_{m}" for m in TAXONOMY_MODELS],
            "learning.add_organisation",
        )
    )
    for slug in MODERATED_SECTIONS:
        # add + change but no publish: their changes go to a curator through the workflow.
        kinds = ("add",) if slug == "projects" else ("add", "change")
        _grant_pages(leads, sections[slug], *kinds)
    # Projects are the exception: a lead changes their own project only, through the
    # project's own lead group (projects.leads); here they may only draft new projects
    # (Wagtail lets the author of a draft keep editing it). Sites set up before this rule
    # lose the section-wide grant.
    GroupPagePermission.objects.filter(
        group=leads, page=sections["projects"], permission__codename="change_page"
    ).delete()
    _grant_collection(
        leads, "wagtailimages.add_image", "wagtailimages.choose_image",
        "wagtaildocs.add_document", "wagtaildocs.choose_document",
    )  # fmt: skip

    curators.permissions.add(
        *_permissions(
            "wagtailadmin.access_admin",
            *[
                f"learning.{action}_{m}"
                for m in TAXONOMY_MODELS
                for action in ("add", "change", "delete", "view")
            ],
        )
    )
    _grant_pages(curators, home, "add", "change", "publish", "lock", "unlock")
    _grant_collection(
        curators, "wagtailimages.add_image", "wagtailimages.change_image",
        "wagtailimages.choose_image", "wagtaildocs.add_document",
        "wagtaildocs.change_document", "wagtaildocs.choose_document",
    )  # fmt: skip
    return leads, curators


def _ensure_workflow(curators: Group, sections: dict[str, Page]) -> Workflow:
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name="Curator review").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="Curator review")
    task.groups.add(curators)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for slug in MODERATED_SECTIONS:
        WorkflowPage.objects.update_or_create(page=sections[slug], defaults={"workflow": workflow})
    return workflow


@transaction.atomic
def ensure_site_structure() -> SiteStructure:
    """Create whatever part of the skeleton is missing; leave everything else alone."""
    home = _ensure_home()
    sections = _ensure_sections(home)
    _leads, curators = _ensure_groups(home, sections)
    _ensure_workflow(curators, sections)
    return SiteStructure(home=home, sections=sections)
