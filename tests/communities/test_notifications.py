"""Notifications: who is told what, that only those who may see it are told, and the pages.

Every kind of notification reaches the right people and never the person who did the thing; a
private community's news reaches its members and nobody else; losing access hides what was
notified before (in the list and the unread count); opening one marks it read and lands on the
exact post; other people's notifications and things a person may not see are 404s; muting an
automatic follow stops it; and one post never notifies the same person twice.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from communities import forum, membership, notifications
from communities.models import Follow, Membership, Notification, NotificationPreference
from communities.notifications import visible_notifications
from tests.communities.conftest import join, thread_in
from tests.factories import CaseStudyPageFactory, RegionFactory, ThemeFactory

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _connected():
    """Listen for signals (the app does this in CommunitiesConfig.ready once it is wired)."""
    was = notifications.is_connected()
    notifications.connect()
    yield
    if not was:
        notifications.disconnect()


@pytest.fixture
def people(make_user):
    return {name: make_user(f"nt_{name}") for name in ("ann", "bob", "cai", "dee", "eve")}


@pytest.fixture
def group(make_community, people):
    """A public community: ann facilitates, bob and cai are members; dee and eve are not."""
    community = make_community("nt-public")
    join(people["ann"], community, role="facilitator")
    join(people["bob"], community)
    join(people["cai"], community)
    return community


def kinds(user) -> list[tuple[str, int | None]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "post_id"))


def start(community, author, capture, title="How do we count savings?", body="Any method?"):
    with capture(execute=True):
        return forum.start_thread(community, author, title=title, body=body)


def test_new_thread_reaches_members_and_followers_not_the_author(
    group, people, django_capture_on_commit_callbacks
):
    Follow.objects.create(user=people["dee"], community=group)
    thread = start(group, people["bob"], django_capture_on_commit_callbacks)
    first = thread.first_post()
    for name in ("ann", "cai", "dee"):
        assert kinds(people[name]) == [(Kind.NEW_THREAD, first.pk)], name
    assert kinds(people["bob"]) == []
    assert kinds(people["eve"]) == []
    note = Notification.objects.get(recipient=people["dee"])
    assert note.actor == people["bob"] and note.url == thread.get_url()


def test_private_community_thread_reaches_members_not_outsiders(
    make_community, people, django_capture_on_commit_callbacks
):
    private = make_community("nt-private", visibility="private")
    join(people["ann"], private, role="facilitator")
    join(people["bob"], private)
    # An outsider following it (from before it went private) is not told what is said inside.
    Follow.objects.create(user=people["eve"], community=private)
    start(private, people["ann"], django_capture_on_commit_callbacks, body="Hello @nt_dee")
    assert [kind for kind, _ in kinds(people["bob"])] == [Kind.NEW_THREAD]
    assert kinds(people["eve"]) == []
    assert kinds(people["dee"]) == []  # mentioned, but may not read it


def test_reply_reaches_thread_author_and_followers(
    group, people, django_capture_on_commit_callbacks
):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    Follow.objects.create(user=people["cai"], thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["bob"], body="We use the Total Place method.")
    assert kinds(people["ann"]) == [(Kind.REPLY, post.pk)]
    assert kinds(people["cai"]) == [(Kind.REPLY, post.pk)]
    assert kinds(people["bob"]) == []
    assert Notification.objects.get(recipient=people["ann"]).url == post.get_url()


def test_mention_in_followed_thread_is_one_notification_and_mention_wins(
    group, people, django_capture_on_commit_callbacks
):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["bob"], body="@nt_ann what do you think?")
    assert kinds(people["ann"]) == [(Kind.MENTION, post.pk)]
    assert post.mentions.get().notified is not None


def test_mention_added_by_edit_is_notified_once(group, people, django_capture_on_commit_callbacks):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["bob"], body="A first thought.")
    with django_capture_on_commit_callbacks(execute=True):
        forum.edit_post(post, people["bob"], "A first thought, @nt_cai.")
    with django_capture_on_commit_callbacks(execute=True):
        forum.edit_post(post, people["bob"], "A first thought, @nt_cai!")
    assert [k for k, p in kinds(people["cai"]) if p == post.pk] == [Kind.MENTION]


def test_muting_your_own_thread_stops_replies(
    group, people, client, django_capture_on_commit_callbacks
):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks)
    client.force_login(people["ann"])
    response = client.post(reverse("communities:unfollow"), {"target": "thread", "id": thread.pk})
    assert response.status_code == 302
    assert Follow.objects.get(user=people["ann"], thread=thread).muted
    with django_capture_on_commit_callbacks(execute=True):
        forum.reply(thread, people["bob"], body="A reply nobody is told about.")
    assert kinds(people["ann"]) == []
    # And on again.
    client.post(reverse("communities:follow"), {"target": "thread", "id": thread.pk})
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["bob"], body="Now she hears.")
    assert kinds(people["ann"]) == [(Kind.REPLY, post.pk)]


def test_muting_your_community_stops_new_threads(
    group, people, client, django_capture_on_commit_callbacks
):
    client.force_login(people["cai"])
    client.post(reverse("communities:unfollow"), {"target": "community", "id": group.pk})
    start(group, people["bob"], django_capture_on_commit_callbacks)
    assert kinds(people["cai"]) == []
    assert [k for k, _ in kinds(people["ann"])] == [Kind.NEW_THREAD]


def test_answer_reaches_thread_author_and_answer_author(
    group, people, django_capture_on_commit_callbacks
):
    thread = start(group, people["bob"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["cai"], body="Count first, then compare.")
    Notification.objects.all().delete()
    # The thread's author marks it: only the answer's author is told.
    with django_capture_on_commit_callbacks(execute=True):
        forum.mark_answer(post, people["bob"])
    assert kinds(people["cai"]) == [(Kind.ANSWER, post.pk)]
    assert kinds(people["bob"]) == []
    # Unmarked, then a facilitator marks it: the thread's author hears, from the facilitator.
    with django_capture_on_commit_callbacks(execute=True):
        forum.mark_answer(post, people["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        forum.mark_answer(post, people["ann"])
    note = Notification.objects.get(recipient=people["bob"])
    assert (note.kind, note.actor) == (Kind.ANSWER, people["ann"])
    assert kinds(people["cai"]) == [(Kind.ANSWER, post.pk)]  # not twice
    assert kinds(people["ann"]) == []


def test_join_request_reaches_facilitators_and_decision_reaches_requester(
    make_community, people, django_capture_on_commit_callbacks
):
    community = make_community("nt-ask", join_policy="request")
    join(people["ann"], community, role="facilitator")
    join(people["bob"], community)
    with django_capture_on_commit_callbacks(execute=True):
        request = membership.join(community, people["dee"], "Please")
    assert [k for k, _ in kinds(people["ann"])] == [Kind.JOIN_REQUEST]
    assert kinds(people["bob"]) == [] and kinds(people["dee"]) == []
    with django_capture_on_commit_callbacks(execute=True):
        membership.manage_member(community, people["ann"], request, "approve")
    note = Notification.objects.get(recipient=people["dee"])
    assert (note.kind, note.detail, note.actor) == (Kind.REQUEST_DECIDED, "approve", people["ann"])

    with django_capture_on_commit_callbacks(execute=True):
        request = membership.join(community, people["eve"])
    with django_capture_on_commit_callbacks(execute=True):
        membership.manage_member(community, people["ann"], request, "decline")
    note = Notification.objects.get(recipient=people["eve"])
    assert (note.kind, note.detail) == (Kind.REQUEST_DECIDED, "decline")
    assert kinds(people["ann"]) == [(Kind.JOIN_REQUEST, None)] * 2


def test_new_content_reaches_followers_of_theme_region_and_tag_once(
    sections, people, django_capture_on_commit_callbacks
):
    theme = ThemeFactory()
    wales = RegionFactory(kind="nation")
    cardiff = RegionFactory(parent=wales)
    Follow.objects.create(user=people["ann"], theme=theme)
    Follow.objects.create(user=people["bob"], region=wales)  # the place around it
    with django_capture_on_commit_callbacks(execute=True):
        page = CaseStudyPageFactory(parent=sections["case-studies"], live=False)
        page.themes.set([theme])
        page.regions.set([cardiff])
        page.tags.add("early help")
        page.save_revision(user=people["cai"]).publish()
    from taggit.models import Tag

    Follow.objects.create(user=people["dee"], tag=Tag.objects.get(name="early help"))
    for name in ("ann", "bob"):
        assert [k for k, _ in kinds(people[name])] == [Kind.NEW_CONTENT], name
    note = Notification.objects.get(recipient=people["ann"])
    assert note.page_id == page.pk and note.actor == people["cai"]
    assert kinds(people["cai"]) == []
    # Publishing again (an edit) is not news.
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert Notification.objects.filter(kind=Kind.NEW_CONTENT).count() == 2
    assert kinds(people["dee"]) == []


def test_revoked_access_hides_earlier_notifications(
    make_community, people, client, django_capture_on_commit_callbacks
):
    private = make_community("nt-secret", visibility="private")
    join(people["ann"], private, role="facilitator")
    bob = join(people["bob"], private)
    start(private, people["ann"], django_capture_on_commit_callbacks, title="Secret plans")
    client.force_login(people["bob"])
    page = client.get(reverse("communities:notifications"))
    assert "Secret plans" in page.content.decode()
    assert notifications.unread_count(people["bob"]) == 1
    note = Notification.objects.get(recipient=people["bob"])

    membership.manage_member(private, people["ann"], bob, "remove")
    page = client.get(reverse("communities:notifications"))
    assert "Secret plans" not in page.content.decode()
    assert notifications.unread_count(User.objects.get(pk=people["bob"].pk)) == 0
    assert client.get(reverse("communities:notification_open", args=[note.pk])).status_code == 404
    assert not Membership.objects.filter(pk=bob.pk).exists()


def test_open_marks_read_and_goes_to_the_post(
    group, people, client, django_capture_on_commit_callbacks
):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(thread, people["bob"], body="Here is how.")
    note = Notification.objects.get(recipient=people["ann"], kind=Kind.REPLY)
    client.force_login(people["ann"])
    response = client.get(reverse("communities:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == post.get_url()
    assert response["Location"].endswith(f"#post-{post.pk}")
    note.refresh_from_db()
    assert note.read_at is not None
    assert notifications.unread_count(people["ann"]) == 0


def test_another_persons_notification_is_404(
    group, people, client, django_capture_on_commit_callbacks
):
    start(group, people["ann"], django_capture_on_commit_callbacks)
    note = Notification.objects.get(recipient=people["bob"])
    client.force_login(people["cai"])
    assert client.get(reverse("communities:notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_list_filters_and_mark_all_read(group, people, client, django_capture_on_commit_callbacks):
    thread = start(group, people["ann"], django_capture_on_commit_callbacks, title="Topic one")
    with django_capture_on_commit_callbacks(execute=True):
        forum.reply(thread, people["bob"], body="@nt_cai have a look")
    client.force_login(people["cai"])
    assert client.get(reverse("communities:notifications")).status_code == 200
    mentions = client.get(reverse("communities:notifications"), {"kind": "mention"})
    assert "mentioned you" in mentions.content.decode()
    assert "started" not in mentions.content.decode()
    assert notifications.unread_count(people["cai"]) == 2
    response = client.post(reverse("communities:notifications_read"))
    assert response.status_code == 302
    assert notifications.unread_count(people["cai"]) == 0
    unread = client.get(reverse("communities:notifications"), {"unread": "1"})
    assert "No notifications match" in unread.content.decode()
    assert client.get(reverse("communities:notifications")).context["unread_total"] == 0


def test_pages_need_sign_in(client):
    for name in ("notifications", "notification_settings"):
        response = client.get(reverse(f"communities:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_follow_needs_sight_of_the_target(make_community, people, client):
    private = make_community("nt-closed", visibility="private")
    secret = thread_in(private, people["ann"])
    client.force_login(people["eve"])
    for target, pk in (("community", private.pk), ("thread", secret.pk), ("theme", 0)):
        response = client.post(reverse("communities:follow"), {"target": target, "id": pk})
        assert response.status_code == 404, target
    assert client.post(reverse("communities:follow"), {"target": "user", "id": 1}).status_code == (
        404
    )
    assert client.get(reverse("communities:follow")).status_code == 405
    assert not Follow.objects.filter(user=people["eve"]).exists()
    theme = ThemeFactory()
    response = client.post(
        reverse("communities:follow"), {"target": "theme", "id": theme.pk, "next": "https://x.org"}
    )
    assert response["Location"] == reverse("communities:notification_settings")
    assert Follow.objects.filter(user=people["eve"], theme=theme, muted=False).exists()
    client.post(reverse("communities:unfollow"), {"target": "theme", "id": theme.pk})
    assert not Follow.objects.filter(user=people["eve"]).exists()


def test_settings_save_delivery_and_list_follows(group, people, client):
    client.force_login(people["bob"])
    page = client.get(reverse("communities:notification_settings"))
    assert page.status_code == 200
    assert group.title in page.content.decode()
    data = dict.fromkeys(Kind.values, "daily") | {"mention": "immediately"}
    response = client.post(reverse("communities:notification_settings"), data)
    assert response.status_code == 302
    chosen = NotificationPreference.for_user(people["bob"])
    assert chosen["mention"] == "immediately" and chosen["reply"] == "daily"
    bad = client.post(reverse("communities:notification_settings"), {"mention": "hourly"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_unread_count_tag_and_header_link(group, people, rf, django_capture_on_commit_callbacks):
    from django.template import Context, Template

    start(group, people["ann"], django_capture_on_commit_callbacks)
    request = rf.get("/")
    request.user = people["bob"]
    html = Template(
        '{% include "communities/includes/notifications_link.html" %}'
        "{% load notification_tags %}[{% unread_notifications_count %}]"
    ).render(Context({"request": request}))
    assert "Notifications (1" in html and "[1]" in html
    assert 'href="/en/notifications/"' in html
    button = Template("{% load notification_tags %}{% follow_button 'community' c %}")
    html = button.render(Context({"request": request, "c": group}))
    assert 'action="/en/unfollow/"' in html and "Stop following" in html  # a member follows
    request.user = people["eve"]
    html = button.render(Context({"request": request, "c": group}))
    assert 'action="/en/follow/"' in html and f'value="{group.pk}"' in html


def test_nothing_is_sent_for_rolled_back_work(group, people, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                forum.start_thread(group, people["bob"], title="Oops", body="Never mind")
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notification.objects.exists()


def test_visible_notifications_for_anonymous_is_empty():
    from django.contrib.auth.models import AnonymousUser

    assert list(visible_notifications(AnonymousUser())) == []


def test_a_new_event_in_a_community_notifies_its_members_but_not_outsiders(
    make_community, make_user, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Event, Notification
    from tests.communities.conftest import join

    community = make_community("notify-event", visibility="private")
    organiser, member, _outsider = (make_user(n) for n in ("ne_org", "ne_member", "ne_out"))
    join(organiser, community, role="facilitator")
    join(member, community)
    start = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        event = Event.objects.create(
            community=community,
            title="Quarterly meet-up",
            start=start,
            end=start + timedelta(hours=2),
            organiser=organiser,
        )
    notes = Notification.objects.filter(kind=Notification.Kind.NEW_EVENT)
    assert set(notes.values_list("recipient__username", flat=True)) == {"ne_member"}
    assert notes.get().url == event.get_absolute_url()
