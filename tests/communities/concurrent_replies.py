"""Several threads replying to one forum thread at once, on a SQLite file (run as a script).

`test_concurrency.py` runs this in a subprocess against a copy of the test database, because
threads need their own connections to a real file: the test database lives in memory inside
the test's transaction. Prints one JSON line with what happened, for the test to check.

    DJANGO_ENV=test SQLITE_PATH=copy.sqlite3 python -m tests.communities.concurrent_replies 8 25
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback


def main(writers: int, replies_each: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from communities import forum
    from communities.models import CommunityIndexPage, CommunityPage, Membership, Post, Thread

    index = CommunityIndexPage.objects.first()
    page = CommunityPage(title="Concurrent replies", slug="concurrent-replies")
    index.add_child(instance=page)
    page.save_revision().publish()
    page = CommunityPage.objects.get(pk=page.pk)
    long_ago = timezone.now() - timezone.timedelta(days=60)
    people = []
    for number in range(writers):
        person = User.objects.create_user(f"writer{number}", f"writer{number}@example.org")
        User.objects.filter(pk=person.pk).update(date_joined=long_ago)
        person.refresh_from_db()
        Membership.objects.create(community=page, user=person)
        people.append(person)
    thread = forum.start_thread(
        page, people[0], title="Everyone reply at once", body="Go on: all of you, now."
    )
    connection.close()

    start = threading.Barrier(writers)
    errors: list[str] = []
    waits: list[float] = []

    def write(person: User) -> None:
        try:
            start.wait()
            for number in range(replies_each):
                began = time.perf_counter()
                target = Thread.objects.select_related("community").get(pk=thread.pk)
                forum.reply(target, person, body=f"Reply {number} from {person.username}.")
                waits.append(time.perf_counter() - began)
        except Exception:  # report every failure rather than stopping at the first
            errors.append(traceback.format_exc(limit=3))
        finally:
            connection.close()

    began = time.perf_counter()
    workers = [threading.Thread(target=write, args=(person,)) for person in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    thread.refresh_from_db()
    waits.sort()
    return {
        "writers": writers,
        "replies_each": replies_each,
        "expected_replies": writers * replies_each,
        "posts": Post.objects.filter(thread=thread).count(),
        "reply_count": thread.reply_count,
        "errors": errors[:5],
        "error_count": len(errors),
        "seconds": round(elapsed, 3),
        "replies_per_second": round(len(waits) / elapsed, 1) if elapsed else 0,
        "p95_ms": round(waits[int(len(waits) * 0.95) - 1] * 1000, 1) if waits else None,
    }


if __name__ == "__main__":
    writers = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    replies_each = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    print(json.dumps(main(writers, replies_each)))
