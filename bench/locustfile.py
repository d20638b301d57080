"""The simulated people of the load test (bench/load.py starts locust with this file).

Readers are anonymous: home, theme, project, case study and learning history pages, search with
facets, and a forum thread. Members sign in with the accounts bench/load.py created and read
threads, reply, start threads and RSVP to events. Every post carries a unique marker; what the
site answered to each one is written to $LOAD_RESULTS when locust stops, so bench/load.py can
count in the database that each post the site said was saved exists exactly once.

bench/load.py passes the plan it made (URLs, accounts, search words) in $LOAD_PLAN. Run by hand:

    LOAD_PLAN=var/bench/load-sqlite/plan.json LOAD_RESULTS=/tmp/posts.jsonl \\
    LOAD_CODES=/tmp/codes.json LOAD_MEMBERS=20 .venv/bin/locust -f bench/locustfile.py \\
    --headless -u 50 -r 10 -t 5m --host http://127.0.0.1:8765
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter

# Which page, word or answer next: nothing secret, but SystemRandom keeps security linters quiet.
RANDOM = random.SystemRandom()
PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
RUN = PLAN["run"]
RESULTS: list[dict[str, Any]] = []
CODES: dict[str, Counter] = defaultdict(Counter)
CACHE: dict[str, Counter] = defaultdict(Counter)
_visitors = itertools.count()
_members = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_ANCHOR = re.compile(r"#post-(\d+)$")
THREAD_ID = re.compile(r"/threads/(\d+)/")


class SourceAddressAdapter(HTTPAdapter):
    """Connect from one loopback address (127.0.x.y): each simulated person is one machine.

    The whole of 127.0.0.0/8 is the loopback interface on Linux, so this stays on this machine,
    and the site's per-address limits (allauth's sign-in limit, django-axes) see as many
    addresses as there are people, as they would in real use.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(connections, maxsize, block, **kwargs)


def loopback_address(number: int) -> str:
    """A distinct address per simulated user, never 127.0.0.1 itself."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@events.request.add_listener
def count_status(name: str, response: Any = None, **_kwargs: Any) -> None:
    """Every response's status (0: no response at all) and page-cache answer, by request kind."""
    CODES[name][getattr(response, "status_code", 0) or 0] += 1
    headers = getattr(response, "headers", None) or {}
    CACHE[name][headers.get("X-Cache", "none")] += 1


@events.quitting.add_listener
def write_results(**_kwargs: Any) -> None:
    with open(os.environ["LOAD_RESULTS"], "w") as handle:
        for record in RESULTS:
            handle.write(json.dumps(record) + "\n")
    with open(os.environ["LOAD_CODES"], "w") as handle:
        json.dump(
            {
                "codes": {name: dict(counts) for name, counts in CODES.items()},
                "cache": {name: dict(counts) for name, counts in CACHE.items()},
            },
            handle,
        )


class Visitor(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.number = next(_visitors)
        self.client.mount("http://", SourceAddressAdapter(loopback_address(self.number)))

    def _plain_cookies(self) -> None:
        # Production cookies are Secure (HTTPS only) and the bench has no TLS proxy in front:
        # keep sending them to 127.0.0.1, as the proxy's plain connection to gunicorn would.
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, name: str, **kwargs: Any):
        response = self.client.get(url, name=name, **kwargs)
        self._plain_cookies()
        return response

    def post(self, url: str, name: str, **kwargs: Any):
        response = self.client.post(url, name=name, **kwargs)
        self._plain_cookies()
        return response


class Reader(Visitor):
    """Anonymous: reads the pages people come for, and searches with facets."""

    weight = 1

    def _page(self, kind: str) -> None:
        self.get(RANDOM.choice(PLAN["pages"][kind]), name=kind)

    @task(2)
    def home(self) -> None:
        self._page("home")

    @task(2)
    def theme(self) -> None:
        self._page("theme")

    @task(2)
    def project(self) -> None:
        self._page("project")

    @task(2)
    def case_study(self) -> None:
        self._page("case study")

    @task(1)
    def learning_history(self) -> None:
        self._page("learning history")

    @task(3)
    def search(self) -> None:
        words = PLAN["search"]
        params: list[tuple[str, str]] = [("q", RANDOM.choice(words["queries"]))]
        if words["themes"] and RANDOM.random() < 0.5:
            params.append(("theme", RANDOM.choice(words["themes"])))
        if words["regions"] and RANDOM.random() < 0.3:
            params.append(("region", RANDOM.choice(words["regions"])))
        self.get(f"/en/search/?{urlencode(params)}", name="search")

    @task(1)
    def thread(self) -> None:
        self.get(RANDOM.choice(PLAN["threads"])["url"], name="thread (anonymous)")


class Member(Visitor):
    """Signed in: reads threads, replies, starts threads, RSVPs."""

    fixed_count = int(os.environ.get("LOAD_MEMBERS", "0"))

    def on_start(self) -> None:
        super().on_start()
        index = next(_members)
        self.member = index
        self.username = PLAN["members"][index % len(PLAN["members"])]
        self.sequence = itertools.count(1)
        self.signed_in = False
        self.sign_in()

    def _token(self, response) -> str:
        match = CSRF.search(response.text or "")
        return match[1] if match else ""

    def _marker(self) -> str:
        return f"LT{RUN}-{self.member:03d}-{next(self.sequence):05d}"

    def sign_in(self) -> None:
        form = self.get("/en/accounts/login/", name="sign in form")
        with self.client.post(
            "/en/accounts/login/",
            name="sign in",
            data={
                "login": self.username,
                "password": PLAN["password"],
                "csrfmiddlewaretoken": self._token(form),
            },
            headers={"Referer": f"{self.host}/en/accounts/login/"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._plain_cookies()
            self.signed_in = response.status_code == 302
            if not self.signed_in:
                response.failure(f"sign-in answered {response.status_code}")

    def _record(self, **fields: Any) -> dict[str, Any]:
        """A result kept for bench/load.py; filled in as the answer arrives."""
        record = {"user": self.username, **fields}
        RESULTS.append(record)
        return record

    def _submit(self, kind: str, url: str, data: dict[str, str], marker: str, saved) -> None:
        """POST a post; 'saved' only if the site redirects to it; then look at it as a browser."""
        record = self._record(kind=kind, marker=marker, outcome="error")
        with self.client.post(
            url, name=kind, data=data, allow_redirects=False, catch_response=True
        ) as response:
            self._plain_cookies()
            record["status"] = response.status_code
            location = response.headers.get("Location", "")
            if response.status_code == 302 and saved(location):
                record["outcome"] = "saved"
                found = POST_ANCHOR.search(location)
                record["post_id"] = int(found[1]) if found and kind == "reply" else None
                response.success()
            elif 400 <= response.status_code < 500:
                record["outcome"] = "refused"
                response.failure(f"{kind} refused with {response.status_code}")
            else:
                response.failure(f"{kind} answered {response.status_code} {location}")
        if record["outcome"] == "saved":
            shown = self.get(urlsplit(location)._replace(fragment="").geturl(), "after posting")
            record["shown"] = marker in (shown.text or "")

    @task(4)
    def read_thread(self) -> None:
        self.get(RANDOM.choice(PLAN["threads"])["url"], name="thread (member)")

    @task(1)
    def community(self) -> None:
        self.get(RANDOM.choice(PLAN["communities"]), name="community")

    @task(3)
    def reply(self) -> None:
        if not self.signed_in:
            return self.sign_in()
        thread = RANDOM.choice(PLAN["threads"])
        page = self.get(thread["url"], name="thread (member)")
        marker = self._marker()
        self._submit(
            "reply",
            thread["reply"],
            {
                "body": f"Load test reply {marker}. What worked for us was a shared budget.",
                "csrfmiddlewaretoken": self._token(page),
            },
            marker,
            lambda location: bool(POST_ANCHOR.search(location)),
        )

    @task(1)
    def new_thread(self) -> None:
        if not self.signed_in:
            return self.sign_in()
        url = RANDOM.choice(PLAN["new_thread"])
        form = self.get(url, name="new thread form")
        marker = self._marker()
        self._submit(
            "new thread",
            url,
            {
                "title": f"Load test question {marker}",
                "body": f"Load test thread {marker}. Has anyone pooled budgets across agencies?",
                "theme": "",
                "tags": "load test",
                "csrfmiddlewaretoken": self._token(form),
            },
            marker,
            lambda location: bool(THREAD_ID.search(location)),
        )

    @task(2)
    def rsvp(self) -> None:
        if not self.signed_in:
            return self.sign_in()
        event = RANDOM.choice(PLAN["events"])
        page = self.get(event["url"], name="event")
        answer = RANDOM.choice(["going", "maybe", "not_going"])
        record = self._record(kind="rsvp", event=event["pk"], answer=answer, outcome="error")
        with self.client.post(
            event["rsvp"],
            name="rsvp",
            data={"answer": answer, "csrfmiddlewaretoken": self._token(page)},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._plain_cookies()
            record["status"] = response.status_code
            if response.status_code == 302:
                record["outcome"] = "saved"
                response.success()
            else:
                record["outcome"] = "refused" if response.status_code < 500 else "error"
                response.failure(f"rsvp answered {response.status_code}")
