"""Project leads: who may keep one project's page (savings, milestones, barriers) current.

Every lead is in the site-wide "Project leads" group, which lets them into the admin and lets
them draft new pages for moderation, but no longer lets them change every project. Each
project has its own lead group with change and add permission on that project's page only
(Wagtail's page permissions apply to the page and what lies under it, so a lead can also add
learning histories under their project). Edits still go through the curators' workflow.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import GroupPagePermission

from cop_site.site_structure import PROJECT_LEADS
from projects.models import HighImpactProjectPage, ProjectLeadGroup

LEAD_PAGE_PERMISSIONS = ("change", "add")
GROUP_NAME_LENGTH = 150  # auth.Group.name's max_length


def _group_name(project: HighImpactProjectPage) -> str:
    """Readable in the admin's group list, unique by the page id whatever the title."""
    prefix = f"Project #{project.pk} leads: "
    return prefix + project.title[: GROUP_NAME_LENGTH - len(prefix)]


@transaction.atomic
def lead_group(project: HighImpactProjectPage) -> Group:
    """The project's own lead group, created with its page permissions when first needed."""
    link = ProjectLeadGroup.objects.select_related("group").filter(project=project).first()
    if link is None:
        group = Group.objects.create(name=_group_name(project))
        link = ProjectLeadGroup.objects.create(project=project, group=group)
    group = link.group
    if group.name != _group_name(project):  # the project was renamed
        group.name = _group_name(project)
        group.save(update_fields=["name"])
    for kind in LEAD_PAGE_PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=f"{kind}_page"
        )
        GroupPagePermission.objects.get_or_create(group=group, page=project, permission=permission)
    return group


@transaction.atomic
def make_lead(user: AbstractBaseUser, project: HighImpactProjectPage) -> bool:
    """Make `user` a lead of `project`; True if anything changed (safe to repeat)."""
    changed = False
    for group in (Group.objects.get(name=PROJECT_LEADS), lead_group(project)):
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed = True
    return changed


@transaction.atomic
def remove_lead(user: AbstractBaseUser, project: HighImpactProjectPage) -> bool:
    """Stop `user` leading `project`. They stay in "Project leads" (they may still draft case
    studies and learning histories for moderation); True if they were a lead of it."""
    link = ProjectLeadGroup.objects.filter(project=project).select_related("group").first()
    if link is None or not user.groups.filter(pk=link.group_id).exists():
        return False
    user.groups.remove(link.group)
    return True


def leads_of(project: HighImpactProjectPage) -> QuerySet:
    """The users who lead `project`, by username."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__lead_of__project=project)
        .order_by("username")
        .distinct()
    )


def projects_led_by(user: AbstractBaseUser) -> QuerySet:
    """The projects `user` leads, by title."""
    return HighImpactProjectPage.objects.filter(lead_group_link__group__user=user).order_by("title")


@receiver(post_delete, sender=ProjectLeadGroup)
def _delete_group_with_project(sender, instance: ProjectLeadGroup, **kwargs) -> None:
    """A deleted project takes its lead group with it, so no orphaned permissions remain."""
    Group.objects.filter(pk=instance.group_id).delete()
