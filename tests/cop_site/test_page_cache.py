"""The anonymous page cache (cop_site.page_cache): what it keeps, and that no change is missed.

Requests go through the whole middleware stack with Django's test client, the way a visitor's
would; the cache is the configured one (local memory on SQLite, Redis on PostgreSQL), emptied
around every test by tests/conftest.py. A few tests call the middleware directly with a view of
their own, for cases no page of the site produces (a cookie on a plain page, a change made
while a page renders).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django import template
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpResponse
from django.template import Context, Engine
from django.test import Client, RequestFactory
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction

from communities import events, forum
from communities.models import (
    Attachment,
    CommunityIndexPage,
    CommunityPage,
    Event,
    HelpfulMark,
    Membership,
    Post,
    Thread,
    ThreadTag,
)
from cop_site import page_cache
from learning.models import CaseStudyPage, LearningHistoryPage, Theme
from projects.models import HighImpactProjectPage, SavingsRecord

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
)


def generation() -> str:
    return page_cache.current_generation()


def fetch(client: Client, url: str, **extra):
    response = client.get(url, **extra)
    return response, response.get("X-Cache")


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def member(db) -> User:
    user = User.objects.create_user("cache_member", "cache_member@example.org", "pw-for-tests")
    user.date_joined = timezone.now() - timedelta(days=60)  # not limited as a new account
    user.save(update_fields=["date_joined"])
    return user


@pytest.fixture
def community(db) -> CommunityPage:
    page = CommunityPage(
        title="Cache tests",
        slug="cache-tests",
        visibility="public",
        join_policy="open",
        summary="A public community for the page cache tests.",
    )
    CommunityIndexPage.objects.first().add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def thread(community, member) -> Thread:
    Membership.objects.create(community=community, user=member, role="member", status="active")
    topic = Thread.objects.create(community=community, title="Discharge data", author=member)
    Post.objects.create(thread=topic, author=member, body="How do you share it?")
    return topic


def page_urls(thread: Thread) -> dict[str, str]:
    """One address of each kind people read, from the demo content."""
    public = Page.objects.live().public()
    project = public.type(HighImpactProjectPage).first()
    return {
        "home": "/en/",
        "theme": "/en/themes/",
        "project": project.url,
        "case study": public.type(CaseStudyPage).first().url,
        "learning history": public.type(LearningHistoryPage).first().url,
        "thread": thread.get_url(),
        "search": "/en/search/?q=older+people",
        "savings": "/en/savings/",
        "who is doing what": "/en/who-is-doing-what/",
    }


# What is kept -----------------------------------------------------------------------------------


def test_a_second_anonymous_request_is_a_hit_on_every_kind_of_page(client, thread):
    for kind, url in page_urls(thread).items():
        first, first_state = fetch(client, url)
        second, second_state = fetch(client, url)
        assert first.status_code == 200, (kind, url)
        assert (first_state, second_state) == ("miss", "hit"), (kind, url)
        assert second.content == first.content, (kind, url)
        assert second["Content-Type"] == first["Content-Type"]
        assert int(second["Age"]) >= 0 and "Age" not in first


def test_the_query_string_is_part_of_the_key(client):
    older, older_state = fetch(client, "/en/search/?q=older+people")
    housing, housing_state = fetch(client, "/en/search/?q=housing")
    assert (older_state, housing_state) == ("miss", "miss")
    assert older.content != housing.content
    assert fetch(client, "/en/search/?q=housing")[1] == "hit"


def test_welsh_and_english_are_kept_separately(client):
    english, english_state = fetch(client, "/en/")
    welsh, welsh_state = fetch(client, "/cy/")
    assert (english_state, welsh_state) == ("miss", "miss")
    english_again, english_state = fetch(client, "/en/")
    welsh_again, welsh_state = fetch(client, "/cy/")
    assert (english_state, welsh_state) == ("hit", "hit")
    assert '<html lang="en"' in body(english_again)
    assert '<html lang="cy"' in body(welsh_again)
    assert english_again.content == english.content and welsh_again.content == welsh.content
    assert english_again["Content-Language"] == "en" and welsh_again["Content-Language"] == "cy"


def test_a_hit_carries_the_security_headers_and_its_own_request_id(client):
    miss, _ = fetch(client, "/en/")
    hit, state = fetch(client, "/en/")
    assert state == "hit"
    for header in SECURITY_HEADERS:
        assert hit.get(header), header
        assert hit[header] == miss[header], header
    assert "unsafe-inline" not in hit["Content-Security-Policy"]
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != miss["X-Request-ID"]
    assert "Cookie" in hit["Vary"]


def test_the_language_cookie_is_still_set_by_a_hit():
    Client().get("/cy/")  # fills the cache for /cy/ (and sets that client's cookie)
    newcomer = Client()
    response, state = fetch(newcomer, "/cy/")
    assert state == "hit"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"


def test_head_is_answered_from_the_get_entry_without_a_body(client):
    get, _ = fetch(client, "/en/themes/")
    head = client.head("/en/themes/")
    assert head["X-Cache"] == "hit"
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


# What is never kept -----------------------------------------------------------------------------


def test_signed_in_members_never_get_or_fill_the_cache(client, member):
    fetch(client, "/en/")  # an anonymous copy is in the cache
    signed_in = Client()
    signed_in.force_login(member)
    for _ in range(2):
        response, state = fetch(signed_in, "/en/")
        assert state is None
        assert "Sign out" in body(response) and "Sign in" not in body(response)
    for_members_first = "/en/themes/"
    fetch(signed_in, for_members_first)
    assert fetch(client, for_members_first)[1] == "miss"  # the member's view was not stored


def test_a_response_that_sets_a_cookie_is_not_kept(rf):
    def view(request):
        response = HttpResponse("yours alone")
        response.set_cookie("seen", "1")
        return response

    middleware = page_cache.AnonymousPageCacheMiddleware(view)
    for _ in range(2):
        request = rf.get("/en/cookie/")
        request.LANGUAGE_CODE = "en"
        response = middleware(request)
        assert response["X-Cache"] == "pass"


def test_a_page_with_a_form_token_is_not_kept(client):
    """A password-protected page shows a form with a CSRF token (which sets the cookie)."""
    project = Page.objects.live().public().type(HighImpactProjectPage).first()
    PageViewRestriction.objects.create(
        page=project, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    for _ in range(2):
        response, state = fetch(client, project.url)
        assert response.status_code == 200
        assert 'name="csrfmiddlewaretoken"' in body(response)
        assert state == "pass"


@pytest.mark.parametrize(
    ("cookie", "value"),
    [(settings.SESSION_COOKIE_NAME, "abc"), ("messages", "queued"), ("anything", "else")],
)
def test_requests_with_other_cookies_bypass_the_cache(client, cookie, value):
    fetch(client, "/en/")
    fetch(client, "/en/")
    client.cookies[cookie] = value
    assert fetch(client, "/en/")[1] is None


def test_errors_posts_and_sign_in_pages_are_not_kept(client):
    assert fetch(client, "/en/no-such-page-anywhere/")[0].status_code == 404
    assert fetch(client, "/en/no-such-page-anywhere/")[1] == "pass"
    assert fetch(client, "/en/accounts/login/")[1] is None
    assert client.post("/en/search/", {"q": "x"}).get("X-Cache") is None
    assert fetch(client, "/api/v2/pages/")[1] is None  # machine endpoints are not pages


def test_turned_off_with_zero_seconds(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert fetch(client, "/en/")[1] is None
    assert fetch(client, "/en/")[1] is None


# Changes empty it -------------------------------------------------------------------------------


def test_publishing_a_change_shows_it_at_once(client):
    project = Page.objects.live().public().type(HighImpactProjectPage).first().specific
    fetch(client, project.url)
    assert fetch(client, project.url)[1] == "hit"
    revision = project.save_revision()
    project.refresh_from_db()
    assert fetch(client, project.url)[1] == "hit"  # a draft shows nowhere: still the same page
    project.title = "A title published a moment ago"
    revision = project.save_revision()
    revision.publish()
    response, state = fetch(client, project.url)
    assert state == "miss"
    assert "A title published a moment ago" in body(response)


def test_unpublishing_gives_a_404_not_the_kept_page(client):
    case_study = Page.objects.live().public().type(CaseStudyPage).first().specific
    fetch(client, case_study.url)
    assert fetch(client, case_study.url)[1] == "hit"
    url = case_study.url
    case_study.unpublish()
    response, state = fetch(client, url)
    assert response.status_code == 404
    assert state != "hit"


def test_moving_a_page_sends_the_old_address_away_and_serves_the_new(client):
    history = Page.objects.live().public().type(LearningHistoryPage).first().specific
    projects = list(Page.objects.live().public().type(HighImpactProjectPage))
    target = next(p for p in projects if not history.is_descendant_of(p))
    old_url = history.url
    fetch(client, old_url)
    assert fetch(client, old_url)[1] == "hit"
    history.move(target, pos="last-child")
    history.refresh_from_db()
    new_url = history.url
    assert new_url != old_url
    old, old_state = fetch(client, old_url)
    assert old.status_code in (301, 302, 404) and old_state != "hit"
    if old.status_code != 404:
        assert old["Location"].endswith(new_url)
    new, new_state = fetch(client, new_url)
    assert new.status_code == 200 and new_state == "miss"
    assert history.title in body(new)


def test_a_new_slug_moves_the_page(client):
    case_study = Page.objects.live().public().type(CaseStudyPage).first().specific
    old_url = case_study.url
    fetch(client, old_url)
    case_study.slug = "a-fresh-slug-for-the-cache-test"
    case_study.save_revision().publish()
    case_study.refresh_from_db()
    assert fetch(client, old_url)[0].status_code != 200
    assert fetch(client, case_study.url)[0].status_code == 200


def test_a_view_restriction_hides_a_kept_page_at_once(client):
    project = Page.objects.live().public().type(HighImpactProjectPage).first()
    fetch(client, project.url)
    assert fetch(client, project.url)[1] == "hit"
    PageViewRestriction.objects.create(page=project, restriction_type=PageViewRestriction.LOGIN)
    response, state = fetch(client, project.url)
    assert response.status_code == 302 and "login/?next=" in response["Location"]
    assert state != "hit"


def test_a_new_public_forum_post_shows_to_anonymous_readers_at_once(client, member, thread):
    url = thread.get_url()
    fetch(client, url)
    assert fetch(client, url)[1] == "hit"
    poster = Client()
    poster.force_login(member)
    reply = poster.post(
        f"{thread.community.url}threads/{thread.pk}/reply/",
        {"body": "We publish ours as open data."},
    )
    assert reply.status_code == 302
    response, state = fetch(client, url)
    assert state == "miss"
    assert "We publish ours as open data." in body(response)
    assert fetch(client, "/en/communities/")[1] == "miss"  # and every other page, too


def test_a_new_event_shows_on_the_events_page_at_once(client):
    fetch(client, "/en/events/")
    assert fetch(client, "/en/events/")[1] == "hit"
    start = timezone.now() + timedelta(days=3)
    end = start + timedelta(hours=2)
    Event.objects.create(title="Counting workshop in Cardiff", start=start, end=end)
    response, state = fetch(client, "/en/events/")
    assert state == "miss" and "Counting workshop in Cardiff" in body(response)


def _new_theme():
    Theme.objects.create(name="Cache theme", slug="cache-theme")


def _new_membership(community, member):
    Membership.objects.create(community=community, user=member, role="member", status="active")


def _savings_changed():
    record = SavingsRecord.objects.first()
    record.save()


def _renamed(member):
    member.first_name = "Renamed"
    member.save()


def _event_deleted():
    start = timezone.now()
    Event.objects.create(title="Gone", start=start, end=start + timedelta(hours=1)).delete()


@pytest.mark.parametrize(
    "change",
    ["theme", "membership", "savings", "member renamed", "event deleted", "tags", "restriction"],
)
def test_each_kind_of_change_moves_the_generation(change, community, member):
    before = generation()
    if change == "theme":
        _new_theme()
    elif change == "membership":
        _new_membership(community, member)
    elif change == "savings":
        _savings_changed()
    elif change == "member renamed":
        _renamed(member)
    elif change == "event deleted":
        _event_deleted()
    elif change == "tags":
        page = Page.objects.live().type(CaseStudyPage).first().specific
        page.tags.add("a-cache-test-tag")
    elif change == "restriction":
        restriction = PageViewRestriction.objects.create(
            page=community, restriction_type=PageViewRestriction.GROUPS
        )
        middle = generation()
        restriction.groups.add(*list(member.groups.model.objects.all()[:1]))
        assert generation() != middle
    assert generation() != before


def test_signing_in_does_not_empty_the_cache(client, member):
    before = generation()
    Client().login(username="cache_member", password="pw-for-tests")
    member.refresh_from_db()
    assert member.last_login is not None
    assert generation() == before


# The generation itself --------------------------------------------------------------------------


def test_a_page_rendered_across_a_change_is_not_served_after_it(rf):
    """The entry carries the generation read before rendering, so a render that overlapped a
    change (and may show the old content) is never replayed once the change is made."""
    renders = []

    def view(request):
        renders.append(1)
        if len(renders) == 1:
            page_cache.bump_generation()  # content changed while this page was rendering
        return HttpResponse(f"render {len(renders)}")

    middleware = page_cache.AnonymousPageCacheMiddleware(view)

    def get():
        request = rf.get("/en/overlap/")
        request.LANGUAGE_CODE = "en"
        return middleware(request)

    assert get()["X-Cache"] == "miss"
    second = get()
    assert second["X-Cache"] == "miss" and second.content == b"render 2"
    third = get()
    assert third["X-Cache"] == "hit" and third.content == b"render 2"


def test_one_more_move_after_commit_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        Theme.objects.create(name="One", slug="cache-one")
        Theme.objects.create(name="Two", slug="cache-two")
        Theme.objects.create(name="Three", slug="cache-three")
    ours = [c for c in callbacks if c.__module__ == page_cache.__name__]
    assert len(ours) == 1
    before = generation()
    ours[0]()
    assert generation() != before


def test_with_a_file_generation_a_transaction_writes_the_file_once_after_commit(
    tmp_path: Path, monkeypatch, django_capture_on_commit_callbacks
):
    """Inside a transaction only this process can see the change: it moves this process's part
    of the generation at once, and the shared file only when the transaction commits."""
    store = page_cache._FileGeneration(tmp_path / "site.sqlite3.page-cache")
    monkeypatch.setattr(page_cache, "_generation_store", lambda: store)
    on_disk = store.current()
    before = generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Theme.objects.create(name="First", slug="cache-first")
        during = generation()
        Theme.objects.create(name="Second", slug="cache-second")
        assert len({before, during, generation()}) == 3
        assert store.current() == on_disk  # not written yet
    assert len([c for c in callbacks if c.__module__ == page_cache.__name__]) == 1
    assert store.current() != on_disk  # written once the change committed


def test_the_file_generation_is_shared_between_processes(tmp_path: Path):
    path = tmp_path / "site.sqlite3.page-cache"
    here = page_cache._FileGeneration(path)
    first = here.current()
    assert here.current() == first and path.read_text() == first
    code = (
        "import sys; from pathlib import Path; from cop_site.page_cache import _FileGeneration; "
        "_FileGeneration(Path(sys.argv[1])).bump()"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=settings.BASE_DIR)
    assert here.current() != first
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_the_shared_cache_counter_restarts_somewhere_new_when_lost():
    cache = LocMemCache("page-cache-test", {})
    counter = page_cache._CacheGeneration(cache)
    first = counter.current()
    assert counter.current() == first
    counter.bump()
    assert counter.current() == str(int(first) + 1)
    cache.clear()  # evicted, or a new Redis
    assert counter.current() not in (first, str(int(first) + 1))


def test_the_generation_store_follows_the_cache_and_database():
    store = page_cache._generation_store()
    if isinstance(page_cache.page_cache(), LocMemCache):
        # pytest's SQLite database is in memory: no other process can change it.
        assert isinstance(store, page_cache._ProcessGeneration | page_cache._FileGeneration)
    else:
        assert isinstance(store, page_cache._CacheGeneration)


def test_request_factory_requests_need_a_language_prefix():
    middleware = page_cache.AnonymousPageCacheMiddleware(lambda request: HttpResponse("x"))
    assert not middleware.may_use_cache(RequestFactory().get("/health/"))
    assert middleware.may_use_cache(RequestFactory().get("/cy/themes/"))


# Two scopes: forum activity keeps the pages that show no forum content ---------------------------

REPLY_WORD = "bladderwrack"  # in no demo content: only in the reply the tests below post


def _reply_as(member: User, thread: Thread, body: str, committed) -> None:
    """Reply through the forum's own form, and run what its commit runs (search indexing)."""
    poster = Client()
    poster.force_login(member)
    with committed(execute=True):
        response = poster.post(f"{thread.community.url}threads/{thread.pk}/reply/", {"body": body})
    assert response.status_code == 302


def test_a_forum_post_keeps_pages_without_forum_content_and_renews_those_with_it(
    client, member, thread, django_capture_on_commit_callbacks
):
    public = Page.objects.live().public()
    kept = {
        "home": "/en/",
        "project": public.type(HighImpactProjectPage).first().url,
        "case study": public.type(CaseStudyPage).first().url,
    }
    renewed = {
        "thread": thread.get_url(),
        "community": thread.community.url,
        "search": f"/en/search/?q={REPLY_WORD}",
    }
    before = {}
    for url in [*kept.values(), *renewed.values()]:
        before[url], state = fetch(client, url)
        assert before[url].status_code == 200 and state == "miss", url
        assert fetch(client, url)[1] == "hit", url
    assert thread.title not in body(before[renewed["search"]])  # the word is in no post yet
    site = generation()

    _reply_as(member, thread, f"We use {REPLY_WORD} in ours.", django_capture_on_commit_callbacks)

    assert generation() == site  # a post moves only the forum generation
    for kind, url in kept.items():
        response, state = fetch(client, url)
        assert state == "hit", kind
        assert response.content == before[url].content, kind
    for kind, url in renewed.items():
        response, state = fetch(client, url)
        assert state == "miss", kind
        assert response.content != before[url].content, kind
        assert fetch(client, url)[1] == "hit", kind  # and kept again under the new generation
    assert f"We use {REPLY_WORD} in ours." in body(fetch(client, renewed["thread"])[0])
    found = body(fetch(client, renewed["search"])[0])
    assert thread.title in found and thread.get_url() in found


def test_an_answer_to_an_event_renews_only_the_pages_that_count_answers(client, member, thread):
    start = timezone.now() + timedelta(days=5)
    event = Event.objects.create(
        title="Cache answers meet-up", start=start, end=start + timedelta(hours=1), capacity=20
    )
    event_url = event.get_absolute_url()
    project = Page.objects.live().public().type(HighImpactProjectPage).first()
    kept = [project.url, thread.get_url()]
    for url in [event_url, *kept]:
        fetch(client, url)
        assert fetch(client, url)[1] == "hit", url
    assert "0 going." in body(fetch(client, event_url)[0])
    site, forum = generation(), page_cache.current_generation(page_cache.FORUM)

    events.rsvp(event, member, "going")

    assert generation() == site
    assert page_cache.current_generation(page_cache.FORUM) == forum
    response, state = fetch(client, event_url)
    assert state == "miss" and "1 going." in body(response)
    for url in kept:
        assert fetch(client, url)[1] == "hit", url


def test_search_results_rendered_before_the_index_caught_up_are_not_kept(
    client, community, member, django_capture_on_commit_callbacks
):
    """A post's search documents are written after its transaction commits, after the commit
    moved the forum generation: a search rendered in between (without the post) must go when
    the index is written, not stay until the next post."""
    Membership.objects.create(community=community, user=member, role="member", status="active")
    url = f"/en/search/?q={REPLY_WORD}"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        topic = forum.start_thread(community, member, title="Discharge data", body="How?")
        forum.reply(topic, member, body=f"We use {REPLY_WORD} in ours.")
    ours = [c for c in callbacks if c.__module__ == page_cache.__name__]
    assert len(ours) == 1 and len(callbacks) > 1
    ours[0]()  # the commit moves the forum generation first...
    between, state = fetch(client, url)
    assert state == "miss" and topic.title not in body(between)
    assert fetch(client, url)[1] == "hit"
    for callback in callbacks:  # ...then the search index is written
        if callback is not ours[0]:
            callback()
    after, state = fetch(client, url)
    assert state == "miss" and topic.title in body(after)


def test_a_site_change_still_empties_pages_with_and_without_forum_content(client, thread):
    project = Page.objects.live().public().type(HighImpactProjectPage).first()
    urls = [project.url, thread.get_url(), thread.community.url]
    for url in urls:
        fetch(client, url)
        assert fetch(client, url)[1] == "hit", url
    case_study = Page.objects.live().public().type(CaseStudyPage).first().specific
    case_study.title = "A case study title published a moment ago"
    case_study.save_revision().publish()
    for url in urls:
        assert fetch(client, url)[1] == "miss", url


def _new_thread(community, member):
    Thread.objects.create(community=community, title="Another", author=member)


def _reply(thread, member):
    Post.objects.create(thread=thread, author=member, body="A reply")


def _helpful(thread, member):
    HelpfulMark.objects.create(post=thread.posts.first(), user=member)


def _edited(thread, member):
    post = thread.posts.first()
    post.body = "Edited"
    post.save(update_fields=["body"])


def _attachment(thread, member):
    Attachment.objects.create(
        post=thread.posts.first(),
        file="attachments/2024/01/notes.txt",
        name="notes.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=member,
    )


def _tagged(thread, member):
    thread.tags.add("Cache tag")  # a tag that exists: its own row is shared with pages
    thread.save()


@pytest.mark.parametrize(
    "change",
    [_new_thread, _reply, _helpful, _edited, _attachment, _tagged],
    ids=lambda c: c.__name__,
)
def test_each_forum_change_moves_only_the_forum_generation(
    change, community, member, thread, django_capture_on_commit_callbacks
):
    Tag.objects.create(name="Cache tag", slug="cache-tag")
    site, forum = generation(), page_cache.current_generation(page_cache.FORUM)
    with django_capture_on_commit_callbacks(execute=True):
        if change is _new_thread:
            change(community, member)
        else:
            change(thread, member)
    assert page_cache.current_generation(page_cache.FORUM) != forum
    assert generation() == site


def _forum_view(request):
    return HttpResponse(" ".join(Post.objects.values_list("body", flat=True)))


def _site_view(request):
    return HttpResponse(" ".join(Theme.objects.values_list("name", flat=True)))


def _stores(kind: str, tmp_path: Path, monkeypatch) -> None:
    """Use one kind of generation store (and, for the shared one, its cache for the pages)."""
    if kind == "file":
        store = page_cache._FileGeneration(tmp_path / "site.sqlite3.page-cache")
        monkeypatch.setattr(page_cache, "_generation_store", lambda: store)
    elif kind == "shared cache":
        shared = LocMemCache(f"page-cache-shared-{tmp_path.name}", {})
        monkeypatch.setattr(page_cache, "page_cache", lambda: shared)
        monkeypatch.setattr(
            page_cache, "_generation_store", lambda: page_cache._CacheGeneration(shared)
        )


@pytest.mark.parametrize("kind", ["process", "file", "shared cache"])
def test_an_entry_that_read_the_forum_follows_the_forum_generation(
    kind, rf, member, thread, tmp_path, monkeypatch
):
    _stores(kind, tmp_path, monkeypatch)
    forum_page = page_cache.AnonymousPageCacheMiddleware(_forum_view)
    site_page = page_cache.AnonymousPageCacheMiddleware(_site_view)

    def get(middleware, path):
        request = rf.get(path)
        request.LANGUAGE_CODE = "en"
        return middleware(request)

    def states():
        return get(forum_page, "/en/forum-view/")["X-Cache"], get(site_page, "/en/site-view/")[
            "X-Cache"
        ]

    assert states() == ("miss", "miss")
    assert states() == ("hit", "hit")
    Post.objects.create(thread=thread, author=member, body="A newer post")
    assert states() == ("miss", "hit")
    assert b"A newer post" in get(forum_page, "/en/forum-view/").content
    page_cache.bump_generation(page_cache.FORUM)  # as another process's committed post would
    assert states() == ("miss", "hit")
    Theme.objects.create(name="Cache scope theme", slug="cache-scope-theme")
    assert states() == ("miss", "miss")
    assert states() == ("hit", "hit")
    if kind == "file":
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
            "site.sqlite3.page-cache",
            "site.sqlite3.page-cache.forum",
            "site.sqlite3.page-cache.rsvps",
        ]


def test_with_a_shared_cache_a_hit_is_one_round_trip(rf, tmp_path, monkeypatch):
    """Both generations come with the entry in one `get_many`, whatever the entry recorded."""

    class Counting(LocMemCache):
        """Counts the calls made to it (local memory's own `get_many` calls `get` inside)."""

        calls: list[str] = []
        inside = False

        def get(self, *args, **kwargs):
            if not self.inside:
                self.calls.append("get")
            return super().get(*args, **kwargs)

        def get_many(self, *args, **kwargs):
            self.calls.append("get_many")
            self.inside = True
            try:
                return super().get_many(*args, **kwargs)
            finally:
                self.inside = False

    shared = Counting(f"page-cache-counting-{tmp_path.name}", {})
    monkeypatch.setattr(page_cache, "page_cache", lambda: shared)
    monkeypatch.setattr(
        page_cache, "_generation_store", lambda: page_cache._CacheGeneration(shared)
    )
    for view, path in ((_forum_view, "/en/forum-view/"), (_site_view, "/en/site-view/")):
        middleware = page_cache.AnonymousPageCacheMiddleware(view)
        request = rf.get(path)
        request.LANGUAGE_CODE = "en"
        assert middleware(request)["X-Cache"] == "miss"
        shared.calls.clear()
        assert middleware(request)["X-Cache"] == "hit"
        assert shared.calls == ["get_many"], path


# A template tag of these tests' own, to show that SQL run from inside a template is seen too.
test_tags = template.Library()


@test_tags.simple_tag
def newest_post_body() -> str:
    return Post.objects.order_by("-created", "-pk").values_list("body", flat=True).first() or ""


@test_tags.simple_tag
def theme_count() -> int:
    return Theme.objects.count()


def _template_view(source: str):
    engine = Engine()
    engine.template_libraries["page_cache_tests"] = test_tags

    def view(request):
        return HttpResponse(
            engine.from_string("{% load page_cache_tests %}" + source).render(Context())
        )

    return view


def _entry(middleware, rf, path: str):
    request = rf.get(path)
    request.LANGUAGE_CODE = "en"
    assert middleware(request)["X-Cache"] == "miss"
    return page_cache.page_cache().get(middleware.key(request))


def test_sql_from_a_template_tag_makes_the_entry_follow_the_forum(rf, member, thread):
    forum_tag = page_cache.AnonymousPageCacheMiddleware(_template_view("{% newest_post_body %}"))
    site_tag = page_cache.AnonymousPageCacheMiddleware(_template_view("{% theme_count %}"))
    forum_entry = _entry(forum_tag, rf, "/en/forum-tag/")
    site_entry = _entry(site_tag, rf, "/en/site-tag/")
    assert forum_entry[4] == b"How do you share it?"
    assert set(forum_entry[0]) == {page_cache.SITE, page_cache.FORUM}
    assert set(site_entry[0]) == {page_cache.SITE}


def test_forum_data_read_elsewhere_is_declared(rf):
    def view(request):
        page_cache.forum_data_read()  # as the search service does before asking its engine
        return HttpResponse("results from an index outside the database")

    entry = _entry(page_cache.AnonymousPageCacheMiddleware(view), rf, "/en/declared/")
    assert set(entry[0]) == {page_cache.SITE, page_cache.FORUM}
    page_cache.forum_data_read()  # outside a render it does nothing (and does not fail)


def test_the_search_service_declares_its_read_of_the_index(client, monkeypatch):
    """With Elasticsearch the index is read without SQL, so the search service's declaration is
    what makes a results page follow the forum: shown here by taking the index tables out of
    the SQL watch."""
    monkeypatch.setattr(page_cache, "SCOPE_TABLES", {})
    page_cache.scope_tables.cache_clear()
    try:
        url = "/en/search/?q=older+people"
        fetch(client, url)
        assert fetch(client, url)[1] == "hit"
        page_cache.bump_generation(page_cache.FORUM)
        assert fetch(client, url)[1] == "miss"
    finally:
        page_cache.scope_tables.cache_clear()


def test_scope_tables_are_found_as_whole_words_in_any_quoting_and_case():
    forum_tables = page_cache.scope_tables()[page_cache.FORUM]

    def names(tables, statement: str) -> bool:
        return tables.in_sql(statement.lower())

    for model in (Thread, Post, HelpfulMark, Attachment, ThreadTag):
        table = model._meta.db_table
        for statement in (  # text to match, never run
            f'SELECT * FROM "{table}" WHERE "{table}"."id" = 1',  # noqa: S608
            f"select * from {table} where id = 1",  # noqa: S608
            f"SELECT * FROM `{table.upper()}`",  # noqa: S608
        ):
            assert names(forum_tables, statement), statement
    assert names(forum_tables, "SELECT rowid FROM search_document_fts WHERE x MATCH %s")
    for harmless in (
        'SELECT * FROM "communities_postrevision"',  # a longer name that starts the same
        'SELECT * FROM "old_communities_post"',  # and one that ends the same
        'SELECT "wagtailcore_page"."search_description" FROM "wagtailcore_page"',
        'SELECT * FROM "communities_communitypage"',
        'SELECT * FROM "communities_membership"',
        'SELECT * FROM "communities_rsvp"',
    ):
        assert not names(forum_tables, harmless), harmless
    rsvp_tables = page_cache.scope_tables()[page_cache.RSVPS]
    assert names(rsvp_tables, 'SELECT COUNT(*) FROM "communities_rsvp" WHERE "event_id" = 1')
    assert not names(rsvp_tables, 'SELECT * FROM "communities_event"')
