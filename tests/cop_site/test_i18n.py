"""Welsh and English: prefixes, the switcher, hreflang, the fallback and the translated pages.

The demo content has Welsh versions of the home page, the sections, the theme pages and the
region pages (cop_site/demo/data); everything else is English only, so the Welsh site shows it in
English with a notice.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Page

from communities.models import CommunityPage
from cop_site.demo.loader import DemoDataError, read_data, translation_problems
from cop_site.models import HomePage
from learning.models import Theme, ThemePage
from projects.models import HighImpactProjectPage

pytestmark = pytest.mark.django_db

# What `make messages-update` leaves out (the Makefile has the same list).
MAKEMESSAGES_IGNORE = [
    ".venv",
    "node_modules",
    "static_collected",
    "var",
    "tests",
    "bench",
    "test-artifacts",
]
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"
NOTICE_CY = "Nid yw'r dudalen hon ar gael yn Gymraeg eto"
NOTICE_EN = "This page is not yet available in Welsh"


def html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return response.content.decode()


def welsh(page: Page) -> Page:
    return page.get_translation(Locale.objects.get(language_code="cy")).specific


@pytest.fixture
def project() -> HighImpactProjectPage:
    return HighImpactProjectPage.objects.live().order_by("path").first()


# The catalogue ----------------------------------------------------------------------------------


def test_welsh_catalogue_is_complete():
    """Every interface string has a Welsh translation, none fuzzy (`msgfmt --statistics`)."""
    assert CATALOGUE.exists(), "locale/cy/LC_MESSAGES/django.po is missing"
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install gettext (`make test` does, as root)"
    done = subprocess.run(
        [msgfmt, "--statistics", "--check", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    statistics = done.stderr.strip().splitlines()[-1]
    translated = re.search(r"(\d+) translated", statistics)
    assert translated and int(translated.group(1)) > 0, statistics
    assert not re.search(r"[1-9]\d* fuzzy", statistics), statistics
    assert not re.search(r"[1-9]\d* untranslated", statistics), statistics


def test_catalogue_has_every_string_the_code_has_now(tmp_path, settings, monkeypatch):
    """A string added to a template or the Python since the catalogue was made shows here.

    `makemessages` is run over the code into a copy of the catalogue: anything new arrives
    untranslated, anything changed arrives fuzzy. Fix with `make messages-update` and translate.
    """
    msgfmt = shutil.which("msgfmt")
    assert msgfmt and shutil.which("xgettext"), "gettext is missing (`make test` installs it)"
    copy = tmp_path / "locale"
    shutil.copytree(CATALOGUE.parents[2], copy)
    settings.LOCALE_PATHS = [str(copy)]
    monkeypatch.chdir(settings.BASE_DIR)  # makemessages reads the tree below the current directory
    call_command(
        "makemessages",
        locale=["cy"],
        ignore_patterns=MAKEMESSAGES_IGNORE,
        no_obsolete=True,
        verbosity=0,
    )
    done = subprocess.run(
        [msgfmt, "--statistics", "-o", "/dev/null", str(copy / "cy/LC_MESSAGES/django.po")],
        capture_output=True,
        text=True,
        check=False,
    )
    statistics = done.stderr.strip().splitlines()[-1]
    assert "untranslated" not in statistics and "fuzzy" not in statistics, (
        f"{statistics}: run `make messages-update` and translate the new strings"
    )


# Settings and addresses -------------------------------------------------------------------------


def test_languages_and_middleware_order():
    assert settings.LANGUAGE_CODE == "en"
    assert [code for code, _name in settings.LANGUAGES] == ["en", "cy"]
    assert settings.WAGTAIL_I18N_ENABLED
    middleware = settings.MIDDLEWARE
    locale = middleware.index("cop_site.middleware.LocaleMiddleware")  # Django's, subclassed
    # After the session (it may read it), before CommonMiddleware (its slash redirects).
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")
    assert set(Locale.objects.values_list("language_code", flat=True)) == {"en", "cy"}


@pytest.mark.parametrize(
    ("headers", "cookies", "expected"),
    [
        ({}, {}, "/en/"),
        ({"HTTP_ACCEPT_LANGUAGE": "cy,en;q=0.5"}, {}, "/cy/"),
        ({"HTTP_ACCEPT_LANGUAGE": "cy"}, {settings.LANGUAGE_COOKIE_NAME: "en"}, "/en/"),
        ({}, {settings.LANGUAGE_COOKIE_NAME: "cy"}, "/cy/"),
    ],
)
def test_unprefixed_pages_redirect_to_the_visitors_language(headers, cookies, expected):
    client = Client(**headers)
    for name, value in cookies.items():
        client.cookies[name] = value
    assert client.get("/").headers["Location"] == expected
    assert client.get("/search/?q=care").headers["Location"] == f"{expected}search/?q=care"


def test_interface_addresses_are_prefixed():
    assert reverse("search") == "/en/search/"
    assert reverse("account_login") == "/en/accounts/login/"
    assert reverse("open_data") == "/en/data/"
    with translation.override("cy"):
        assert reverse("search") == "/cy/search/"
        assert reverse("communities:directory") == "/cy/members/"


def test_machine_addresses_are_not_prefixed(client):
    community = CommunityPage.objects.filter(visibility="public").live().first()
    assert reverse("open_data_file", args=["projects.csv"]) == "/data/projects.csv"
    assert reverse("feed_latest", args=["rss"]) == "/feeds/latest.rss"
    assert reverse("calendar_feed", args=[community.pk]) == f"/events/feed/{community.pk}.ics"
    for address in (
        "/health/",
        "/sitemap.xml",
        "/robots.txt",
        "/data/projects.csv",
        "/feeds/latest.rss",
        "/api/search/?q=care",
        "/api/v2/pages/",
        f"/events/feed/{community.pk}.ics",
    ):
        response = client.get(address)
        assert response.status_code == 200, (address, response.status_code)
    assert client.get("/admin/").status_code == 302  # Wagtail's own sign-in, unprefixed
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")


def test_shared_files_are_english_whoever_asks(client, project):
    """Downloads and feeds are the same for everyone: a Welsh visitor's have English addresses."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    response = client.get("/data/projects.csv", HTTP_ACCEPT_LANGUAGE="cy")
    csv = b"".join(response.streaming_content).decode()
    assert f"/en/projects/{project.slug}/" in csv
    assert "/cy/" not in csv
    feed = client.get("/feeds/latest.rss", HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert "/en/" in feed and "/cy/" not in feed


def test_visiting_a_language_remembers_it(client):
    response = client.get("/cy/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["samesite"] == "Lax"
    assert settings.LANGUAGE_COOKIE_NAME not in client.get("/cy/themes/").cookies  # already set
    assert client.get("/").headers["Location"] == "/cy/"


def test_robots_txt_points_at_the_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


# The Welsh tree ----------------------------------------------------------------------------------


def test_welsh_home_is_a_translation_of_the_english_home():
    english = HomePage.objects.get(locale__language_code="en")
    cymraeg = welsh(english)
    assert cymraeg.translation_key == english.translation_key
    assert cymraeg.depth == english.depth == 2
    assert cymraeg.live and cymraeg.title == "Cyfnewidfa Dysgu Gwasanaethau Cyhoeddus"
    # Every theme and every nation and region has its Welsh page, under the Welsh sections.
    for page in ThemePage.objects.filter(locale__language_code="en"):
        translated = welsh(page)
        assert translated.live and translated.theme_id == page.theme_id
        assert translated.get_parent().get_parent().pk == cymraeg.pk


def test_welsh_site_serves_welsh_pages(client):
    theme = Theme.objects.get(slug="frail-elderly")
    body = html(client.get("/cy/themes/frail-elderly/"))
    assert '<html lang="cy"' in body
    assert "<h1" in body and "Pobl hŷn eiddil" in body
    assert NOTICE_CY not in body
    # A theme's page is the visitor's language's (the request above left Welsh active).
    with translation.override("en"):
        assert Theme.objects.get(pk=theme.pk).page.title == "Frail elderly"
    with translation.override("cy"):
        assert Theme.objects.get(pk=theme.pk).page.title == "Pobl hŷn eiddil"
    home = html(client.get("/cy/"))
    assert "Dewch o hyd i bwy sy" in home


def test_untranslated_page_falls_back_to_english_with_a_notice(client, project):
    body = html(client.get(f"/cy/projects/{project.slug}/"))
    assert '<html lang="cy"' in body
    assert NOTICE_CY in body and NOTICE_EN in body
    # The notice says it in both languages, each sentence marked; the content is marked English.
    assert f'<span lang="cy">{NOTICE_CY}</span>' in body
    assert f'<span lang="en">{NOTICE_EN}</span>' in body
    content = body.split('id="app-language-notice-title"', 1)[1]
    assert '<div lang="en">' in content
    assert project.title in content.split('<div lang="en">', 1)[1]
    # The same page in English has no notice and no language wrapper.
    english = html(client.get(f"/en/projects/{project.slug}/"))
    assert NOTICE_CY not in english and '<div lang="en">' not in english


def test_fallback_is_never_a_404_but_unknown_addresses_still_are(client, project):
    child = Page.objects.child_of(project).live().first()
    if child is not None:
        assert client.get(f"/cy/projects/{project.slug}/{child.slug}/").status_code == 200
    assert client.get("/cy/projects/no-such-project/").status_code == 404
    assert client.get("/cy/no-such-section/").status_code == 404


def test_fallback_goes_to_a_welsh_version_at_another_address(client, project):
    cymraeg_projects = welsh(project.get_parent())
    translated = project.copy_for_translation(Locale.objects.get(language_code="cy"))
    translated.slug = "prosiect-cymraeg"
    translated.title = "Prosiect yn Gymraeg"
    translated.save_revision().publish()
    assert translated.get_parent().pk == cymraeg_projects.pk
    response = client.get(f"/cy/projects/{project.slug}/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cy/projects/prosiect-cymraeg/"
    body = html(client.get("/cy/projects/prosiect-cymraeg/"))
    assert "Prosiect yn Gymraeg" in body and NOTICE_CY not in body


def test_pages_are_translated_in_the_admin(client, project):
    """Wagtail's simple translation: "Translate" makes a Welsh draft; once published, it is the
    page at the Welsh address, and until then the English one is shown there."""
    client.force_login(User.objects.create_superuser("i18n_admin", "admin@example.org", "pw"))
    url = reverse("simple_translation:submit_page_translation", args=[project.pk])
    assert client.get(url).status_code == 200
    cymraeg = Locale.objects.get(language_code="cy")
    assert client.post(url, {"locales": [cymraeg.pk]}).status_code == 302
    draft = project.get_translation(cymraeg).specific
    assert not draft.live
    assert draft.get_parent().pk == welsh(project.get_parent()).pk
    assert NOTICE_CY in html(client.get(f"/cy/projects/{project.slug}/"))
    draft.title = "Cefnogi pobl hŷn eiddil"
    draft.save_revision().publish()
    body = html(client.get(f"/cy/projects/{project.slug}/"))
    assert "Cefnogi pobl hŷn eiddil" in body and NOTICE_CY not in body


def test_links_on_the_welsh_site_stay_welsh(client, project):
    with translation.override("cy"):
        assert project.url == f"/cy/projects/{project.slug}/"
    assert project.url == f"/en/projects/{project.slug}/"
    body = html(client.get("/cy/projects/"))
    assert f'href="/cy/projects/{project.slug}/"' in body
    assert f'href="/en/projects/{project.slug}/"' not in body
    nav = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', body)
    assert nav and all(href.startswith("/cy/") for href in nav)


def test_each_theme_listed_once_in_the_visitors_language(client):
    themes = Theme.objects.filter(theme_pages__isnull=False).distinct().count()
    english = html(client.get("/en/"))
    cymraeg = html(client.get("/cy/"))
    assert len(re.findall(r'href="/en/themes/[a-z-]+/"', english)) == themes
    assert len(re.findall(r'href="/cy/themes/[a-z-]+/"', cymraeg)) == themes
    assert "Pobl hŷn eiddil" in cymraeg and "Pobl hŷn eiddil" not in english


def test_listed_english_content_is_marked_english_on_the_welsh_site(client):
    body = html(client.get("/cy/case-studies/"))
    assert '<h3 class="app-card__title" lang="en">' in body
    assert 'lang="en"' not in html(client.get("/en/case-studies/")).split("<main", 1)[1]


# The switcher and alternates ----------------------------------------------------------------------


def _alternates(body: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">', body))


def test_switcher_and_hreflang_on_a_translated_page(client):
    body = html(client.get("/en/themes/frail-elderly/"))
    assert (
        '<a class="app-account-nav__link" href="/cy/themes/frail-elderly/" hreflang="cy" '
        'lang="cy" rel="alternate">Cymraeg</a>' in body
    )
    assert _alternates(body) == {
        "en": "http://testserver/en/themes/frail-elderly/",
        "cy": "http://testserver/cy/themes/frail-elderly/",
        "x-default": "http://testserver/themes/frail-elderly/",  # redirects by language
    }
    back = html(client.get("/cy/themes/frail-elderly/"))
    assert (
        'href="/en/themes/frail-elderly/" hreflang="en" lang="en" rel="alternate">English' in back
    )


def test_switcher_follows_a_translation_at_another_address(client):
    english = ThemePage.objects.get(locale__language_code="en", theme__slug="worklessness")
    cymraeg = welsh(english)
    cymraeg.slug = "diweithdra"
    cymraeg.save_revision().publish()
    body = html(client.get("/en/themes/worklessness/"))
    assert 'href="/cy/themes/diweithdra/" hreflang="cy"' in body
    assert _alternates(body)["cy"] == "http://testserver/cy/themes/diweithdra/"
    back = html(client.get("/cy/themes/diweithdra/"))
    assert 'href="/en/themes/worklessness/" hreflang="en"' in back


def test_switcher_on_views_keeps_the_path_and_query(client):
    body = html(client.get("/en/search/?q=older+people"))
    assert 'href="/cy/search/?q=older+people" hreflang="cy"' in body
    assert _alternates(body)["x-default"] == "http://testserver/search/?q=older+people"
    fallback = html(client.get("/cy/case-studies/"))
    assert "hreflang" in fallback


def test_sitemap_lists_both_languages_with_alternates(client, project):
    xml = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://testserver/en/projects/{project.slug}/</loc>" in xml
    assert f"<loc>http://testserver/cy/projects/{project.slug}/</loc>" in xml
    assert 'hreflang="x-default"' in xml
    assert "<loc>http://testserver/cy/themes/frail-elderly/</loc>" in xml
    # A Welsh page is the Welsh address of its English page, not listed a second time.
    assert xml.count("<loc>http://testserver/cy/themes/frail-elderly/</loc>") == 1


# Demo content ------------------------------------------------------------------------------------


def test_demo_data_gives_welsh_for_every_theme_and_region_page():
    data = read_data()
    assert all(theme.get("cy", {}).get("description") for theme in data["themes"])
    pages = [region for region in data["regions"] if region["kind"] != "area"]
    assert pages and all(region.get("cy", {}).get("name") for region in pages)
    assert {item["page"] for item in data["site_pages"]} >= {"home", "themes", "regions"}
    assert translation_problems(data) == []


def test_bad_translations_are_reported():
    data = read_data()
    data["regions"] = [
        {"slug": "north-wales", "name": "North Wales", "kind": "region", "parent": "wales",
         "cy": {"name": "Gogledd Cymru"}},
        {"slug": "wales", "name": "Wales", "kind": "nation", "cy": {"summary": "Dim teitl"}},
        {"slug": "gwynedd", "name": "Gwynedd", "kind": "area", "cy": {"name": "Gwynedd"}},
    ]  # fmt: skip
    data["themes"] = [{"slug": "x", "name": "X", "cy": {"name": "X", "colour": "coch"}, "fr": {}}]
    data["site_pages"] = [{"page": "nowhere", "cy": {"title": "Unman"}}]
    problems = "\n".join(translation_problems(data))
    assert "region wales: the 'cy' version needs a title" in problems
    assert "region gwynedd: local areas have no page to translate" in problems
    assert "theme x: 'cy' cannot set colour" in problems
    assert "theme x: 'fr' is not one of the site's other languages" in problems
    assert "theme x: translate the Themes section first" in problems
    assert "site page 'nowhere': not the home page or a section" in problems
    with pytest.raises(DemoDataError):
        from cop_site.demo.loader import validate

        validate(data)
