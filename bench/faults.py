#!/usr/bin/env python
"""Faults: what a member sees, and what is saved, when something goes wrong under the site.

Serves the site as bench/load.py does (production settings, gunicorn with 2 sync workers on
127.0.0.1, a throwaway copy of the demo database) and, one function per fault:

a) kills the gunicorn worker (SIGKILL) that is handling a member's reply, many times at random
   moments, then retries each reply that got no answer, as a person would: every post must be
   whole (body and attachment) or absent, and each retried reply must exist exactly once;
b) with --postgres, stops PostgreSQL for 10 seconds while a member and a visitor keep reading
   and posting: a 503 page with Retry-After (never a 500), /health/ naming the database, and the
   site serving again by itself when the database is back. The cluster is one of this script's
   own (initdb under var/bench/, its own port), never the shared one others run tests on;
c) the attachment size limit: a file of exactly COMMUNITY_ATTACHMENT_MAX_BYTES is accepted, one
   byte more is refused with a message, and a huge upload and an oversized form are refused
   without a server error;
d) malformed requests: a 64 KB header, too many headers, invalid UTF-8 and NUL bytes in the
   path, query and form body, missing, wrong and borrowed CSRF tokens, absurd, negative and
   conflicting lengths, broken chunked encoding: no 5xx, and nothing written.

It prints one table (fault | expected | observed | pass) and exits 1 if any check fails.

    .venv/bin/python bench/faults.py                  # (a), (c), (d) on SQLite
    .venv/bin/python bench/faults.py --postgres       # all four, on a PostgreSQL cluster of its own
    .venv/bin/python bench/faults.py --only a,d       # some of them
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py: the database, the server and the members

ROOT = load.ROOT
WORK = load.WORK
RANDOM = random.SystemRandom()  # when to strike: nothing secret, but no linter warning either
HEADING_503 = "Sorry, the service is unavailable"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
POST_ANCHOR = re.compile(r"#post-(\d+)$")


@dataclass
class Row:
    fault: str
    expected: str
    observed: str
    passed: bool | None  # None: not run (and why is in `observed`)


# --- A member's browser --------------------------------------------------------------------------


class Browser:
    """A person's session (cookies, CSRF tokens) connecting from its own loopback address."""

    def __init__(self, base: str, address: str) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        class SourceAddressAdapter(HTTPAdapter):
            def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
                kwargs["source_address"] = (address, 0)
                super().init_poolmanager(connections, maxsize, block, **kwargs)

        self.base = base
        self.address = address
        self.session = requests.Session()
        self.session.mount("http://", SourceAddressAdapter())

    def _plain_cookies(self) -> None:
        # Production cookies are Secure; there is no TLS proxy in front of this bench.
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str, timeout: float = 60, **kwargs: Any):
        response = self.session.get(self.base + path, timeout=timeout, **kwargs)
        self._plain_cookies()
        return response

    def post(self, path: str, timeout: float = 120, **kwargs: Any):
        response = self.session.post(
            self.base + path, timeout=timeout, allow_redirects=False, **kwargs
        )
        self._plain_cookies()
        return response

    def token(self, path: str) -> str:
        found = CSRF.search(self.get(path).text)
        return found[1] if found else ""

    def form(self, path: str) -> dict[str, str]:
        """The hidden fields of the form on a page: its CSRF token and submission key."""
        page = self.get(path).text
        fields = {}
        for name, pattern in (("csrfmiddlewaretoken", CSRF), ("submission_key", SUBMISSION_KEY)):
            if found := pattern.search(page):
                fields[name] = found[1]
        return fields

    def sign_in(self, username: str, password: str) -> None:
        token = self.token("/en/accounts/login/")
        answer = self.post(
            "/en/accounts/login/",
            data={"login": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if answer.status_code != 302:
            raise SystemExit(f"{username} could not sign in ({answer.status_code})")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)


def reply_data(marker: str, token: str, text: str = "") -> dict[str, str]:
    return {
        "body": f"Fault test reply {marker}. {text or 'We shared a budget across agencies.'}",
        "csrfmiddlewaretoken": token,
    }


def attachment_for(marker: str, size: int = 4096) -> bytes:
    """Plain text of exactly `size` bytes that names its post (checked byte for byte later)."""
    line = f"Attachment of {marker}.\n".encode()
    content = (line * (size // len(line) + 1))[:size]
    return content[:-1] + b"\n"


# --- Raw HTTP, for what a library would refuse to send -------------------------------------------


@dataclass
class RawAnswer:
    status: int  # 0: the connection closed with no answer; -1: no answer within the timeout
    head: str
    seconds: float


def raw_request(port: int, parts: list[bytes], half_close: bool = False, timeout: float = 40):
    """Send bytes as they are and read the status line; tolerant of the server hanging up."""
    started = time.perf_counter()
    received = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            try:
                for part in parts:
                    connection.sendall(part)
                if half_close:
                    connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server answered (and hung up) before reading everything
            try:
                while len(received) < 65536:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    received += chunk
            except TimeoutError:
                if not received:
                    return RawAnswer(-1, "", time.perf_counter() - started)
            except OSError:
                pass
    except OSError:
        pass
    seconds = time.perf_counter() - started
    found = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return RawAnswer(int(found[1]) if found else 0, head, seconds)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, int]], boundary: str):
    """A multipart/form-data body as (head, file sizes, tail): the file bytes are streamed."""
    head = b""
    for name, value in fields.items():
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    (field_name, (filename, _size)) = next(iter(files.items()))
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail


# --- The site under test -------------------------------------------------------------------------


@dataclass
class Site:
    server: load.Server
    plan: dict[str, Any]
    env: dict[str, str]
    run: str
    folder: Path
    members: list[Browser] = field(default_factory=list)
    sequence: int = 0

    def marker(self, user: int) -> str:
        self.sequence += 1
        return f"LT{self.run}-{user:03d}-{self.sequence:05d}"

    def member(self, number: int) -> Browser:
        while len(self.members) <= number:
            index = len(self.members)
            browser = Browser(self.server.url, f"127.0.9.{index + 1}")
            browser.sign_in(self.plan["members"][index], self.plan["password"])
            self.members.append(browser)
        return self.members[number]

    def inspect(self, markers: dict[str, dict | None], threads: list[int] = ()) -> dict:
        """Ask the database (in a child process) what exists for these markers and threads."""
        request = self.folder / f"inspect-{secrets.token_hex(4)}.json"
        request.write_text(json.dumps({"markers": markers, "threads": list(threads)}))
        output = load.in_django(
            self.env, "--django-inspect", str(request), script=Path(__file__).resolve()
        )
        return json.loads(output.strip().splitlines()[-1])

    def access_log_5xx(self, since_line: int = 0) -> list[str]:
        path = self.server.logs["access"]
        lines = path.read_text(errors="replace").splitlines()[since_line:]
        return [line for line in lines if line[:1] == "5"]

    def access_log_length(self) -> int:
        return len(self.server.logs["access"].read_text(errors="replace").splitlines())

    def wait_for_workers(self, timeout: float = 120) -> float:
        """Seconds until gunicorn has all its workers again and answers /health/."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if (
                len(self.server.worker_pids()) >= self.server.workers
                and self.server.get("/health/", timeout=30)[0] == 200
            ):
                return time.monotonic() - started
            time.sleep(0.2)
        raise SystemExit("gunicorn did not get its workers back")


def worker_serving(site: Site, address: str) -> int | None:
    """The gunicorn worker holding an open connection from this client address, if any."""
    import psutil

    for pid in site.server.worker_pids():
        try:
            connections = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        for connection in connections:
            if connection.raddr and connection.raddr.ip == address:
                return pid
    return None


# --- Work inside Django --------------------------------------------------------------------------


def django_inspect(request_path: Path) -> None:
    """Posts per marker (and whether each is whole), thread counters, orphan attachment files."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")
    import django

    django.setup()
    from django.conf import settings

    from communities.models import Attachment, Post, Thread

    request = json.loads(request_path.read_text())
    result: dict[str, Any] = {"markers": {}, "threads": {}}
    for marker, expected in request["markers"].items():
        posts = list(Post.objects.filter(body__contains=marker).prefetch_related("attachments"))
        whole = True
        for post in posts:
            attachments = list(post.attachments.all())
            if expected is None:
                whole &= not attachments
                continue
            if len(attachments) != 1:
                whole = False
                continue
            attachment = attachments[0]
            try:
                with attachment.file.open("rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            except OSError:
                digest = ""
            whole &= attachment.size == expected["size"] and digest == expected["sha256"]
        result["markers"][marker] = {
            "posts": len(posts),
            "created": [post.created.timestamp() for post in posts],
            "whole": whole,
            "bodies_valid": all("\x00" not in post.body for post in posts),
            "replacement_chars": any("\ufffd" in post.body for post in posts),
        }
    for thread in Thread.objects.filter(pk__in=request["threads"]):
        result["threads"][str(thread.pk)] = {
            "reply_count": thread.reply_count,
            "posts": thread.posts.count(),
        }
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    stored = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    referenced = set(Attachment.objects.values_list("file", flat=True))
    result["orphan_files"] = len(stored - referenced)
    result["missing_files"] = len(referenced - stored)
    print(json.dumps(result))


# --- a) A worker killed while a member posts -----------------------------------------------------


def fault_worker_killed(site: Site, kills: int) -> list[Row]:
    member = site.member(0)
    thread = site.plan["threads"][0]
    thread_id = int(re.search(r"/threads/(\d+)/", thread["url"])[1])
    before = site.inspect({}, [thread_id])["threads"][str(thread_id)]
    expected: dict[str, dict] = {}

    def send(marker: str, hidden: dict[str, str], result: dict[str, Any]) -> None:
        content = attachment_for(marker)
        expected[marker] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        result["sent_at"] = time.time()
        started = time.perf_counter()
        try:
            answer = member.post(
                thread["reply"],
                data={**reply_data(marker, ""), **hidden},
                files={"attachments": (f"{marker}.txt", content, "text/plain")},
            )
            result["status"] = answer.status_code
            result["saved"] = answer.status_code == 302 and bool(
                POST_ANCHOR.search(answer.headers.get("Location", ""))
            )
        except Exception as error:  # what the person's browser would show as an error page
            result["status"] = 0
            result["error"] = type(error).__name__
            result["saved"] = False
        result["seconds"] = time.perf_counter() - started

    # How long a reply's POST takes here, so the kills land before, during and after its commit.
    durations = []
    for _ in range(3):
        result: dict[str, Any] = {}
        send(site.marker(900), member.form(thread["url"]), result)
        durations.append(result["seconds"])
    typical = statistics.median(durations)

    attempts: list[dict[str, Any]] = []
    respawn: list[float] = []
    tries = 0
    while sum(1 for a in attempts if a["killed"]) < kills and tries < kills * 5:
        tries += 1
        marker = site.marker(900)
        result = {"marker": marker, "killed": False}
        hidden = member.form(thread["url"])  # the thread page, with a new reply form
        sender = threading.Thread(target=send, args=(marker, hidden, result))
        sender.start()
        # Strike at a random moment of the POST: reading the upload, in the transaction, after
        # the commit while the search index and notifications are updated, or writing the answer.
        time.sleep(RANDOM.uniform(0, 1.1 * typical))
        victim = None
        polled = time.monotonic()
        while victim is None and sender.is_alive() and time.monotonic() - polled < 0.5:
            victim = worker_serving(site, member.address)
        if victim is not None and sender.is_alive():
            os.kill(victim, signal.SIGKILL)
            result["killed"] = True
        sender.join(180)
        if result["killed"]:
            respawn.append(site.wait_for_workers())
        attempts.append(result)
        if result["killed"] and not result["saved"]:
            # What a person does after an error page: reload it, which sends the same form again
            # (the same hidden submission key, so a reply that was saved is not saved twice).
            for _ in range(3):
                retry: dict[str, Any] = {}
                send(marker, hidden, retry)
                if retry["saved"]:
                    break
                site.wait_for_workers()
            result["retry_saved"] = retry["saved"]
            result["retry_sent_at"] = retry["sent_at"]

    found = site.inspect({m: expected[m] for m in expected}, [thread_id])
    after = found["threads"][str(thread_id)]
    killed = [a for a in attempts if a["killed"]]
    no_answer = [a for a in killed if not a["saved"] and a["status"] == 0]
    other = [a for a in killed if not a["saved"] and a["status"] != 0]
    answered = [a for a in killed if a["saved"]]
    partial = [m for m, entry in found["markers"].items() if entry["posts"] and not entry["whole"]]
    retried = [a for a in no_answer + other if "retry_saved" in a]
    retry_ok = [a for a in retried if a["retry_saved"]]
    duplicates = [a for a in retried if found["markers"][a["marker"]]["posts"] > 1]
    lost = [a for a in retried if found["markers"][a["marker"]]["posts"] == 0]
    # Retries whose first try had committed before the kill: the post is older than the retry,
    # so the retry was answered with it (the submission key) rather than saving it again.
    first_try_saved = [
        a
        for a in retried
        if any(t < a["retry_sent_at"] for t in found["markers"][a["marker"]]["created"])
    ]
    told = [m for m in expected if m not in {a["marker"] for a in retried}]
    told_missing = [m for m in told if found["markers"][m]["posts"] != 1]
    errors = sorted({a.get("error", str(a["status"])) for a in no_answer + other})
    replies_added = after["posts"] - before["posts"]
    counted = after["reply_count"] - before["reply_count"]
    rows = [
        Row(
            "a) SIGKILL the worker handling a reply",
            "the browser gets no answer (no partial page); no partial post",
            f"{len(killed)} kills ({tries} tries, median POST {typical * 1000:.0f} ms): "
            f"{len(no_answer)} got no answer ({', '.join(errors) or '-'}), {len(other)} another "
            f"status, {len(answered)} answered before the kill; partial posts: {len(partial)}; "
            f"orphan attachment files: {found['orphan_files']}",
            bool(killed) and not partial and not other and found["missing_files"] == 0,
        ),
        Row(
            "a) gunicorn replaces the worker",
            "the other worker keeps serving; a new one within seconds",
            f"back to 2 workers and /health/ 200 in {max(respawn, default=0):.1f} s at most "
            f"(median {statistics.median(respawn) if respawn else 0:.1f} s)",
            bool(respawn),
        ),
        Row(
            "a) send the reply again after the error",
            "saved, and the post exists exactly once",
            f"{len(retry_ok)}/{len(retried)} retries saved; exactly once: "
            f"{len(retried) - len(duplicates) - len(lost)}, duplicated: {len(duplicates)}, "
            f"lost: {len(lost)}; the first try had committed before the kill in "
            f"{len(first_try_saved)} (the retry found that post by its submission key)",
            bool(retried) and not duplicates and not lost and len(retry_ok) == len(retried),
        ),
        Row(
            "a) replies told saved, and the thread's count",
            "each found once; reply_count moves with the posts",
            f"{len(told) - len(told_missing)}/{len(told)} found once; posts +{replies_added}, "
            f"reply_count +{counted}",
            not told_missing and replies_added == counted,
        ),
    ]
    return rows


# --- b) PostgreSQL stopped for ten seconds -------------------------------------------------------


@dataclass
class OwnCluster:
    """A PostgreSQL cluster of this script's own (initdb), so stopping it disturbs nobody."""

    base: Path
    port: int

    @property
    def bin(self) -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True)  # installs it
            found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        return found[-1].parent

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(command), check=True, capture_output=True)

    def create(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        # Trust on 127.0.0.1 only: a throwaway cluster on a port of its own, for this bench.
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c fsync=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.base / "postgres.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def fault_database_stopped(site: Site, cluster: OwnCluster, outage: float) -> list[Row]:
    member = site.member(1)
    visitor = Browser(site.server.url, "127.0.9.200")
    thread = site.plan["threads"][1 % len(site.plan["threads"])]
    pids_before = (site.server.process.pid, sorted(site.server.worker_pids()))
    samples: list[dict[str, Any]] = []
    markers: dict[str, dict | None] = {}
    stop = threading.Event()

    def sample(kind: str, call, **extra: Any) -> None:
        started = time.perf_counter()
        entry: dict[str, Any] = {"kind": kind, "at": time.monotonic(), **extra}
        try:
            answer = call()
            entry.update(
                status=answer.status_code,
                retry_after=answer.headers.get("Retry-After"),
                heading=HEADING_503 in answer.text,
                location=answer.headers.get("Location", ""),
                body=answer.text[:400] if kind == "health" else "",
            )
        except Exception as error:
            entry.update(status=0, error=type(error).__name__)
        entry["seconds"] = time.perf_counter() - started
        samples.append(entry)

    def traffic() -> None:
        token = member.token(thread["url"])
        while not stop.is_set():
            sample("member page", lambda: member.get(thread["url"], timeout=30))
            sample(
                "visitor search",
                lambda: visitor.get(f"/en/search/?q=housing&n={secrets.token_hex(3)}", timeout=30),
            )
            sample("health", lambda: visitor.get("/health/", timeout=30))
            marker = site.marker(901)
            markers[marker] = None
            sample(
                "reply",
                lambda m=marker, t=token: member.post(thread["reply"], data=reply_data(m, t)),
                marker=marker,
            )
            time.sleep(0.3)

    runner = threading.Thread(target=traffic)
    runner.start()
    time.sleep(3)
    cluster.stop()
    down_done = time.monotonic()
    time.sleep(outage)
    up_from = time.monotonic()
    cluster.start()
    up_done = time.monotonic()
    # Keep going until pages have come back (or a minute has passed), then a little longer.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        recent = [s for s in samples if s["at"] > up_done and s["kind"] == "member page"]
        if any(s["status"] == 200 for s in recent):
            break
        time.sleep(0.5)
    time.sleep(3)
    stop.set()
    runner.join(120)
    pids_after = (site.server.process.pid, sorted(site.server.worker_pids()))

    during = [s for s in samples if down_done <= s["at"] <= up_from]
    after_up = [s for s in samples if s["at"] > up_done]

    def statuses(items: list[dict], kind: str) -> str:
        counts: dict[Any, int] = {}
        for item in items:
            if item["kind"] == kind:
                counts[item["status"]] = counts.get(item["status"], 0) + 1
        return ", ".join(f"{status}×{n}" for status, n in sorted(counts.items())) or "none"

    pages = [s for s in during if s["kind"] in {"member page", "visitor search", "reply"}]
    page_503 = [s for s in pages if s["status"] == 503]
    bad = [s for s in pages if s["status"] not in {200, 302, 503}]
    unclear = [s for s in page_503 if not (s["heading"] and s["retry_after"])]
    health = [s for s in during if s["kind"] == "health"]
    health_named = [
        s for s in health if s["status"] == 503 and '"database": {"status": "fail"' in s["body"]
    ]

    def first_ok(kind: str) -> float | None:
        for s in after_up:
            if s["kind"] == kind and s["status"] == 200:
                return s["at"] - up_done
        return None

    page_back, health_back = first_ok("member page"), first_ok("health")
    replies = [s for s in samples if s["kind"] == "reply"]
    found = site.inspect(markers)["markers"]
    told_saved = [s for s in replies if s["status"] == 302]
    refused = [s for s in replies if s["status"] != 302]
    told_missing = [s for s in told_saved if found[s["marker"]]["posts"] != 1]
    refused_but_saved = [s for s in refused if found[s["marker"]]["posts"]]
    slowest = max((s["seconds"] for s in during), default=0)
    return [
        Row(
            "b) PostgreSQL stopped: pages",
            "503 page with Retry-After and its heading (a cached page may be 200); never 500",
            f"{outage:.0f} s down; member thread page: {statuses(during, 'member page')}; "
            f"visitor search: {statuses(during, 'visitor search')}; reply: "
            f"{statuses(during, 'reply')}; 503 without heading or Retry-After: {len(unclear)}; "
            f"slowest answer {slowest:.1f} s",
            bool(page_503) and not bad and not unclear,
        ),
        Row(
            "b) PostgreSQL stopped: /health/",
            "503 naming the database as failed",
            f"{len(health_named)}/{len(health)} answers were 503 with database: fail",
            bool(health) and len(health_named) == len(health),
        ),
        Row(
            "b) PostgreSQL back",
            "pages and /health/ 200 again without restarting gunicorn",
            f"member page 200 after {page_back if page_back is not None else float('nan'):.1f} "
            f"s, /health/ after {health_back if health_back is not None else float('nan'):.1f} "
            f"s (PostgreSQL took {up_done - up_from:.1f} s to start); same gunicorn master and "
            f"workers: {pids_before == pids_after}",
            page_back is not None and health_back is not None and pids_before == pids_after,
        ),
        Row(
            "b) replies during the outage",
            "told saved: found once; refused: not saved",
            f"{len(replies)} replies: {len(told_saved)} told saved ({len(told_missing)} not found "
            f"once), {len(refused)} refused ({len(refused_but_saved)} saved all the same)",
            not told_missing and not refused_but_saved,
        ),
    ]


# --- c) The upload size limit --------------------------------------------------------------------


def fault_upload_limit(site: Site, huge_mb: int) -> list[Row]:
    member = site.member(2)
    thread = site.plan["threads"][0]
    limit = int(site.env.get("COMMUNITY_ATTACHMENT_MAX_BYTES", str(10 << 20)))
    expected: dict[str, dict | None] = {}
    log_start = site.access_log_length()
    rows = []

    def upload(size: int) -> tuple[str, Any]:
        marker = site.marker(902)
        content = attachment_for(marker, size)
        expected[marker] = {"size": size, "sha256": hashlib.sha256(content).hexdigest()}
        answer = member.post(
            thread["reply"],
            data=reply_data(marker, member.token(thread["url"])),
            files={"attachments": (f"{marker}.txt", content, "text/plain")},
        )
        return marker, answer

    at_limit, at_answer = upload(limit)
    over, over_answer = upload(limit + 1)
    over_text = over_answer.text
    message = (
        "is too large" in over_text and "10 MB" in over_text
        if limit == 10 << 20
        else ("is too large" in over_text)
    )

    # A huge upload, streamed: the site must say no without a server error.
    huge = site.marker(902)
    expected[huge] = None
    boundary = f"fault{secrets.token_hex(8)}"
    token = member.token(thread["url"])
    head, tail = multipart(
        reply_data(huge, token), {"attachments": (f"{huge}.txt", huge_mb << 20)}, boundary
    )
    length = len(head) + (huge_mb << 20) + len(tail)
    chunk = attachment_for(huge, 1 << 20)
    request = (
        f"POST {thread['reply']} HTTP/1.1\r\nHost: 127.0.0.1:{site.server.port}\r\n"
        f"Cookie: {member.cookie_header()}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    huge_answer = raw_request(
        site.server.port, [request, head, *([chunk] * huge_mb), tail], timeout=300
    )

    # A form field larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): refused before parsing.
    big_field = site.marker(902)
    expected[big_field] = None
    big_answer = member.post(
        thread["reply"],
        data=reply_data(big_field, member.token(thread["url"]), "x" * (3 << 20)),
    )

    found = site.inspect(expected)["markers"]
    server_errors = site.access_log_5xx(log_start)
    rows.append(
        Row(
            f"c) attachment of exactly the limit ({limit:,} bytes)",
            "accepted; stored whole",
            f"{at_answer.status_code}; posts {found[at_limit]['posts']}, "
            f"whole: {found[at_limit]['whole']}",
            at_answer.status_code == 302
            and found[at_limit]["posts"] == 1
            and found[at_limit]["whole"],
        )
    )
    rows.append(
        Row(
            "c) one byte over the limit",
            "refused with a message naming the limit; nothing saved",
            f"{over_answer.status_code}; message shown: {message}; posts {found[over]['posts']}",
            over_answer.status_code == 400 and message and found[over]["posts"] == 0,
        )
    )
    rows.append(
        Row(
            f"c) a {huge_mb} MB upload",
            "refused (4xx) without a server error; nothing saved",
            f"{huge_answer.status or 'no answer'} in {huge_answer.seconds:.1f} s; posts "
            f"{found[huge]['posts']}",
            400 <= huge_answer.status < 500 and found[huge]["posts"] == 0,
        )
    )
    rows.append(
        Row(
            "c) a 3 MB form field (over DATA_UPLOAD_MAX_MEMORY_SIZE)",
            "refused (4xx) without a server error; nothing saved",
            f"{big_answer.status_code}; posts {found[big_field]['posts']}; 5xx in the access log "
            f"during (c): {len(server_errors)}",
            400 <= big_answer.status_code < 500
            and found[big_field]["posts"] == 0
            and not server_errors,
        )
    )
    return rows


# --- d) Malformed requests -----------------------------------------------------------------------


def fault_malformed(site: Site) -> list[Row]:
    member = site.member(3)
    other = site.member(0)
    thread = site.plan["threads"][0]
    event = site.plan["events"][0]
    host = f"Host: 127.0.0.1:{site.server.port}\r\n"
    cookies = member.cookie_header()
    token = member.token(thread["url"])
    foreign_token = other.token(thread["url"])
    markers: dict[str, dict | None] = {}
    log_start = site.access_log_length()
    workers_before = len(site.server.worker_pids())
    rows: list[Row] = []

    def get(path: bytes, extra: bytes = b"") -> list[bytes]:
        return [b"GET " + path + b" HTTP/1.1\r\n" + host.encode() + extra + b"\r\n"]

    def post(path: str, body: bytes, content_type: str = "", extra: str = "") -> list[bytes]:
        content_type = content_type or "application/x-www-form-urlencoded"
        head = (
            f"POST {path} HTTP/1.1\r\n{host}Cookie: {cookies}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n"
        )
        return [head.encode(), body]

    def form(marker: str, text: bytes = b"", csrf: str | None = None) -> bytes:
        """A reply form as a browser sends it: the CSRF token (if any) first, then the text."""
        body = b"body=" + quote(f"Fault test reply {marker} ").encode() + text
        if csrf is not None:
            body = b"csrfmiddlewaretoken=" + csrf.encode() + b"&" + body
        return body

    cases: list[tuple[str, str, list[bytes], set[int], bool, int]] = []
    # (name, expected, request, allowed statuses, half-close, posts expected for its marker)

    def case(name, expected, request, allowed, half_close=False, marker=None, saved=0):
        if marker:
            markers.setdefault(marker, None)
        cases.append((name, expected, request, allowed, half_close, marker, saved))

    four_xx = set(range(400, 500))
    case("64 KB header", "4xx", get(b"/en/", b"X-Filler: " + b"a" * 65536 + b"\r\n"), four_xx)
    many = b"".join(f"X-H{i}: {i}\r\n".encode() for i in range(200))
    case("200 headers", "4xx", get(b"/en/", many), four_xx)
    case("invalid UTF-8 in the path (%FF%FE)", "404", get(b"/en/%FF%FE/"), {400, 404})
    case("raw non-UTF-8 bytes in the path", "4xx", get(b"/en/\xff\xfe/"), four_xx)
    case("invalid UTF-8 in the query", "200 or 400", get(b"/en/search/?q=%FF%FE%FD"), {200, 400})
    case("NUL in the path", "404", get(b"/en/%00/"), {404})
    case("NUL in the query", "400", get(b"/en/search/?q=a%00b"), {400})
    case("NUL byte in a header", "4xx", get(b"/en/", b"X-Test: a\x00b\r\n"), four_xx)
    m = site.marker(903)
    case(
        "invalid UTF-8 in a form body (valid CSRF)",
        "no 5xx; saved at most once, as U+FFFD",
        post(thread["reply"], form(m, b"%FF%FE%FD", token)),
        {302, 400},
        marker=m,
        saved=-1,
    )
    m = site.marker(903)
    case(
        "unknown charset in Content-Type",
        "no 5xx; saved at most once",
        post(
            thread["reply"],
            form(m, b"", token),
            "application/x-www-form-urlencoded; charset=no-such-charset",
        ),
        {302, 400},
        marker=m,
        saved=-1,
    )
    m = site.marker(903)
    case(
        "NUL in a form field",
        "400 with a message; nothing saved",
        post(thread["reply"], form(m, b"a%00b", token)),
        {400},
        marker=m,
    )
    m = site.marker(903)
    case(
        "no CSRF token",
        "403; nothing saved",
        post(thread["reply"], form(m)),
        {403},
        marker=m,
    )
    m = site.marker(903)
    case(
        "wrong CSRF token",
        "403; nothing saved",
        post(thread["reply"], form(m, b"", "x" * 64)),
        {403},
        marker=m,
    )
    m = site.marker(903)
    case(
        "another member's CSRF token",
        "403; nothing saved",
        post(thread["reply"], form(m, b"", foreign_token)),
        {403},
        marker=m,
    )
    case(
        "RSVP without a CSRF token",
        "403",
        post(event["rsvp"], b"answer=going"),
        {403},
    )
    m = site.marker(903)
    absurd = (
        f"POST {thread['reply']} HTTP/1.1\r\n{host}Cookie: {cookies}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 99999999999999999999\r\n\r\n"
    ).encode()
    case(
        "absurd Content-Length (10^20), short body",
        "4xx, quickly; nothing saved",
        [absurd, form(m, b"", token)],
        four_xx,
        half_close=True,
        marker=m,
    )
    # A browser sends the CSRF token first and the reply's text after it, so a connection that
    # drops part-way through leaves a request whose token is whole and whose text is cut off.
    m = site.marker(903)
    markers[m] = None
    whole_text = f"Fault test reply {m}. " + "We pooled the budget. " * 200 + "END-OF-REPLY"
    full = f"csrfmiddlewaretoken={token}&body={quote(whole_text)}".encode()
    cut = (
        f"POST {thread['reply']} HTTP/1.1\r\n{host}Cookie: {cookies}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(full)}\r\n\r\n"
    ).encode()
    case(
        "a form cut off part-way (client hangs up before Content-Length bytes)",
        "4xx or no answer; nothing saved",
        [cut, full[: len(full) // 2]],
        four_xx | {0},
        half_close=True,
        marker=m,
    )
    m = site.marker(903)
    content = attachment_for(m, 200_000)
    markers[m] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    boundary = f"fault{secrets.token_hex(8)}"
    head, tail = multipart(
        {"csrfmiddlewaretoken": token, "body": f"Fault test reply {m}. With a file."},
        {"attachments": (f"{m}.txt", len(content))},
        boundary,
    )
    cut = (
        f"POST {thread['reply']} HTTP/1.1\r\n{host}Cookie: {cookies}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + len(content) + len(tail)}\r\n\r\n"
    ).encode()
    case(
        "an attachment cut off part-way (client hangs up mid-file)",
        "4xx or no answer; no post, no half file",
        [cut, head, content[: len(content) // 2]],
        four_xx | {0},
        half_close=True,
        marker=m,
    )
    case(
        "negative Content-Length",
        "400",
        [(f"POST {thread['reply']} HTTP/1.1\r\n{host}Content-Length: -1\r\n\r\n").encode()],
        four_xx,
    )
    case(
        "Content-Length and Transfer-Encoding together",
        "400",
        [
            (
                f"POST {thread['reply']} HTTP/1.1\r\n{host}Content-Length: 4\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            ).encode()
        ],
        four_xx,
    )
    case(
        "broken chunked encoding",
        "400",
        [
            (
                f"POST {thread['reply']} HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n"
                "zz\r\nabc\r\n0\r\n\r\n"
            ).encode()
        ],
        four_xx,
    )

    answers = []
    for _name, _expected, request, _allowed, half_close, _marker, _saved in cases:
        answers.append(raw_request(site.server.port, request, half_close=half_close))
    found = site.inspect(markers)["markers"] if markers else {}
    server_errors = site.access_log_5xx(log_start)
    for (name, expected, _request, allowed, _half, marker, saved), answer in zip(
        cases, answers, strict=True
    ):
        observed = f"{answer.status or 'closed, no answer'} in {answer.seconds:.2f} s"
        ok = answer.status in allowed and answer.seconds < 35
        if marker:
            entry = found[marker]
            observed += f"; posts {entry['posts']}"
            if markers[marker] is not None:
                observed += f", whole: {entry['whole']}"
            if saved == -1:
                ok &= entry["posts"] <= 1 and entry["bodies_valid"]
                if entry["posts"]:
                    observed += f" (U+FFFD in it: {entry['replacement_chars']})"
            else:
                ok &= entry["posts"] == saved
        rows.append(Row(f"d) {name}", expected, observed, ok))
    workers_after = len(site.server.worker_pids())
    rows.append(
        Row(
            "d) afterwards",
            "no 5xx in gunicorn's access log; both workers alive",
            f"5xx lines: {len(server_errors)}; workers {workers_before} → {workers_after}",
            not server_errors and workers_after == workers_before,
        )
    )
    return rows


# --- Main ----------------------------------------------------------------------------------------


def print_rows(rows: list[Row]) -> None:
    print("| fault | expected | observed | pass |")
    print("|---|---|---|---|")
    for row in rows:
        verdict = "skipped" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(f"| {row.fault} | {row.expected} | {row.observed} | {verdict} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL cluster of its own")
    parser.add_argument("--pg-port", type=int, default=5499)
    parser.add_argument("--pg-dir", default=str(WORK / "faults-pg"))
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--only", default="a,b,c,d", help="which faults, e.g. a,d")
    parser.add_argument("--kills", type=int, default=12, help="worker kills in (a)")
    parser.add_argument("--outage", type=float, default=10, help="seconds PostgreSQL is down")
    parser.add_argument("--huge-mb", type=int, default=200, help="size of (c)'s huge upload")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo template")
    parser.add_argument("--django-inspect", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.django_inspect:
        django_inspect(Path(args.django_inspect))
        return 0

    load.ensure_tools()
    only = set(args.only.split(","))
    run = secrets.token_hex(4)
    engine = "PostgreSQL (own cluster)" if args.postgres else "SQLite"
    folder = WORK / f"faults-{'pg' if args.postgres else 'sqlite'}-run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    load.say(f"Faults {run} on {engine}; load average {load.load_average()}")

    cluster = None
    if args.postgres:
        cluster = OwnCluster(Path(args.pg_dir), args.pg_port)
        cluster.create()
        if not cluster.running():
            cluster.start()
        database_url = load.postgres_database(cluster.url, "exchange_faults", args.rebuild)
    else:
        database_url = load.sqlite_database("faults", args.rebuild)
    env = load.server_env(database_url, folder)
    load.manage(env, "migrate", "--no-input", "--verbosity", "0")
    plan_path = folder / "plan.json"
    load.in_django(env, "--django-setup", str(plan_path), "--members", "4", "--run", run)
    server = load.Server(env=env, port=args.port, folder=folder)
    server.collectstatic()
    server.start()
    site = Site(
        server=server, plan=json.loads(plan_path.read_text()), env=env, run=run, folder=folder
    )
    rows: list[Row] = []
    try:
        if "a" in only:
            load.say("a) killing workers mid-reply")
            rows += fault_worker_killed(site, args.kills)
        if "b" in only:
            if cluster is None:
                rows.append(
                    Row(
                        "b) PostgreSQL stopped",
                        "-",
                        "needs --postgres (SQLite has no server)",
                        None,
                    )
                )
            else:
                load.say(f"b) stopping PostgreSQL for {args.outage:g} s")
                rows += fault_database_stopped(site, cluster, args.outage)
        if "c" in only:
            load.say("c) upload limits")
            rows += fault_upload_limit(site, args.huge_mb)
        if "d" in only:
            load.say("d) malformed requests")
            rows += fault_malformed(site)
    finally:
        server.stop()
        if cluster is not None and not cluster.running():
            cluster.start()  # never leave it down
    print()
    print(f"Faults on {engine}, gunicorn 2 workers; load average at the end {load.load_average()}")
    print()
    print_rows(rows)
    failed = [row for row in rows if row.passed is False]
    print()
    print("RESULT:", "FAIL" if failed else "PASS", f"(logs in {folder.relative_to(ROOT)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
