"""Reuse: which methods and case studies a piece of work reused or adapted ("adapted from").

A reuse link belongs to the page that did the reusing, so the project lead or author who
knows records it with the rest of their page, in the same revision; the method or case study
it points at shows where it was reused by asking for links that point at it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, PageChooserPanel
from wagtail.api import APIField
from wagtail.models import Orderable

from learning.serializers import PageRefSerializer


class ReuseLink(Orderable):
    """ "This work reused, or adapted, that method or case study"."""

    class Relation(models.TextChoices):
        REUSED = "reused", gettext_lazy("Reused as it was")
        ADAPTED = "adapted", gettext_lazy("Adapted from")

    page = ParentalKey("learning.KnowledgePage", on_delete=models.CASCADE, related_name="reuses")
    source = models.ForeignKey(
        "learning.KnowledgePage",
        on_delete=models.CASCADE,
        related_name="reused_by_links",
        help_text=gettext_lazy("The method or case study that was reused or adapted."),
    )
    relation = models.CharField(max_length=10, choices=Relation.choices, default=Relation.ADAPTED)
    note = models.TextField(
        blank=True,
        help_text=gettext_lazy(
            "What was taken over and what was changed for this place, in a sentence or two."
        ),
    )

    panels = [
        PageChooserPanel("source", ["learning.MethodPage", "learning.CaseStudyPage"]),
        FieldRowPanel([FieldPanel("relation")]),
        FieldPanel("note"),
    ]
    api_fields = [
        APIField("source", serializer=PageRefSerializer()),
        APIField("relation"),
        APIField("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = gettext_lazy("reused method or case study")
        verbose_name_plural = gettext_lazy("reused methods and case studies")

    def __str__(self) -> str:
        return f"{self.get_relation_display()}: {self.source_id}"

    def clean(self) -> None:
        if self.source_id and self.page_id and self.source_id == self.page_id:
            raise ValidationError({"source": gettext("A page cannot reuse itself.")})
        source = self.source.specific if self.source_id else None
        if source is not None and type(source).__name__ not in ("MethodPage", "CaseStudyPage"):
            raise ValidationError({"source": gettext("Choose a method or a case study.")})
