"""Emails carry what members typed as text: escaped in HTML parts, untouched in plain parts.

A thread title full of markup must reach the HTML email escaped (the browser test loads those
into Chromium) and the subject line and plain-text part exactly as typed, never as "&lt;" or
"&quot;", which a mail program shows literally.
"""

from __future__ import annotations

import pytest
from django.core import mail

from communities import digests
from communities.models import Notification, NotificationPreference
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

TITLE = 'Budgets & "pooling" <script>alert(1)</script> {{7*7}}'


def test_an_immediate_email_says_the_title_as_typed(world: World):
    world.thread.title = TITLE
    world.thread.save(update_fields=["title"])
    NotificationPreference.objects.update_or_create(
        user=world.member,
        kind=Notification.Kind.REPLY,
        defaults={"delivery": NotificationPreference.Delivery.IMMEDIATELY},
    )
    item = Notification.objects.create(
        recipient=world.member,
        actor=world.other,
        kind=Notification.Kind.REPLY,
        thread=world.thread,
        post=world.reply,
        community=world.public,
        url=world.thread.get_url(),
    )
    mail.outbox.clear()
    assert digests.queue_immediate(item)
    [message] = mail.outbox
    assert TITLE in message.subject, message.subject
    assert "&lt;" not in message.subject and "&amp;" not in message.subject
    assert TITLE in message.body
    [(html_part, kind)] = message.alternatives
    assert kind == "text/html"
    assert "<script>" not in html_part
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part
