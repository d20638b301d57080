"""Editors can only create each page type where it belongs."""

from __future__ import annotations

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from communities.models import CommunityIndexPage
from cop_site.models import HomePage
from learning.models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    KnowledgePage,
    LearningHistoryIndexPage,
    LearningHistoryPage,
    MethodIndexPage,
    MethodPage,
    RegionIndexPage,
    RegionPage,
    ThemeIndexPage,
    ThemePage,
)
from projects.models import HighImpactProjectPage, ProjectIndexPage


@pytest.mark.django_db
class TestPageTypeRules(WagtailPageTestCase):
    def test_home_page_sits_at_the_root(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_sections_sit_under_home(self):
        for section in (
            ProjectIndexPage,
            CaseStudyIndexPage,
            LearningHistoryIndexPage,
            MethodIndexPage,
            ThemeIndexPage,
            RegionIndexPage,
            CommunityIndexPage,
        ):
            self.assertAllowedParentPageTypes(section, {HomePage})

    def test_content_lives_in_its_section(self):
        self.assertAllowedParentPageTypes(HighImpactProjectPage, {ProjectIndexPage})
        self.assertAllowedParentPageTypes(CaseStudyPage, {CaseStudyIndexPage})
        self.assertAllowedParentPageTypes(MethodPage, {MethodIndexPage})
        self.assertAllowedParentPageTypes(ThemePage, {ThemeIndexPage})
        self.assertAllowedParentPageTypes(RegionPage, {RegionIndexPage, RegionPage})

    def test_learning_histories_live_under_a_project_or_their_section(self):
        self.assertAllowedParentPageTypes(
            LearningHistoryPage, {LearningHistoryIndexPage, HighImpactProjectPage}
        )
        self.assertAllowedSubpageTypes(HighImpactProjectPage, {LearningHistoryPage})

    def test_leaf_pages_have_no_children(self):
        for leaf in (CaseStudyPage, MethodPage, LearningHistoryPage, ThemePage):
            self.assertAllowedSubpageTypes(leaf, set())

    def test_the_shared_base_cannot_be_created(self):
        assert KnowledgePage.is_creatable is False
        self.assertCanNotCreateAt(CaseStudyIndexPage, KnowledgePage)

    def test_cannot_put_a_case_study_among_methods(self):
        self.assertCanNotCreateAt(MethodIndexPage, CaseStudyPage)
        self.assertCanNotCreateAt(HomePage, CaseStudyPage)
        self.assertCanCreateAt(CaseStudyIndexPage, CaseStudyPage)

    def test_one_of_each_section(self):
        for section in (ProjectIndexPage, CaseStudyIndexPage, ThemeIndexPage, HomePage):
            assert section.max_count == 1
