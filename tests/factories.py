"""A factory per model, so tests build exactly the content they need."""

from __future__ import annotations

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from learning.models import (
    CaseStudyPage,
    DeliveryLevel,
    LearningHistoryPage,
    MethodPage,
    Organisation,
    Region,
    Theme,
    TransformationModel,
)
from projects.models import BarrierEnabler, HighImpactProjectPage, Milestone, SavingsRecord


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.django.Password("correct horse battery staple")


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test theme {n}")
    slug = factory.Sequence(lambda n: f"test-theme-{n}")
    summary = "A theme made for a test."


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test place {n}")
    slug = factory.Sequence(lambda n: f"test-place-{n}")
    kind = Region.Kind.AREA


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test council {n}")
    slug = factory.Sequence(lambda n: f"test-council-{n}")
    kind = Organisation.Kind.COUNCIL


class DeliveryLevelFactory(DjangoModelFactory):
    class Meta:
        model = DeliveryLevel
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Level {n}")
    slug = factory.Sequence(lambda n: f"level-{n}")


class TransformationModelFactory(DjangoModelFactory):
    class Meta:
        model = TransformationModel
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")


class CaseStudyPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CaseStudyPage

    title = factory.Sequence(lambda n: f"Case study {n}")
    summary = "What one place did and what it saved."
    what_they_did = "They worked **together** across agencies."
    outcomes = "- fewer hand-offs\n- lower cost"
    contact_route = "The council's transformation team"


class MethodPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = MethodPage

    title = factory.Sequence(lambda n: f"Method {n}")
    summary = "A reusable method."
    body = "1. Count\n2. Compare"


class HighImpactProjectPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HighImpactProjectPage

    title = factory.Sequence(lambda n: f"Project {n}")
    summary = "A big-ticket project."
    aims = "Better outcomes for less."
    lead_organisation = factory.SubFactory(OrganisationFactory)


class LearningHistoryPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LearningHistoryPage

    title = factory.Sequence(lambda n: f"Learning history {n}")
    summary = "How people learned to work differently."
    body = factory.LazyFunction(
        lambda: [
            {
                "type": "chapter",
                "value": {
                    "title": "Starting out",
                    "introduction": "",
                    "rows": [
                        {
                            "narrative": "We were used to being told what to do.",
                            "speaker_role": "Partnership manager, council",
                            "commentary": "A shift from *compliance* to partnership.",
                        }
                    ],
                },
            }
        ]
    )


class SavingsRecordFactory(DjangoModelFactory):
    class Meta:
        model = SavingsRecord

    description = "Shared back office"
    amount = 100000
    source = "Test source"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    title = "Business case agreed"
    date = factory.Faker("date_object")


class BarrierEnablerFactory(DjangoModelFactory):
    class Meta:
        model = BarrierEnabler

    kind = BarrierEnabler.Kind.BARRIER
    level = BarrierEnabler.Level.NATIONAL
    category = BarrierEnabler.Category.FUNDING
    description = "Ring-fenced budgets"
