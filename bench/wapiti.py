#!/usr/bin/env python
"""Scan the running site with wapiti (Debian's package) and print what it found, by category.

It copies the development database (`var/db.sqlite3`, made by `make run`; without one it builds
a fresh database with the demo content), collects the static files, and starts the site as
production runs it: gunicorn with 2 workers and `DJANGO_ENV=production`, over HTTPS with a
throwaway self-signed certificate, so the scan sees the real headers, cookies and policy (HSTS
and `Secure` cookies only exist over HTTPS). Everything listens on 127.0.0.1 only and wapiti is
pointed at it alone; its `ssrf` and `xxe` modules, which call an outside host, are never run.

Then it runs wapiti within --budget seconds (default 600: a quarter crawling, the rest shared
by the attack modules, since wapiti 3.0.4 can bound only those two) with the modules in
MODULES, reads its JSON report and prints one table: vulnerabilities and anomalies (wapiti's
word for server errors and timeouts it provoked) by category. It exits 1 when there is any,
except a finding listed in ACCEPTED with the reason it is not a problem here; accepted ones are
printed too. It cleans up (gunicorn by its own process id, the copy, the certificate) however
it ends, Ctrl-C included.

    .venv/bin/python bench/wapiti.py                     # the default scan, about 11 minutes
    .venv/bin/python bench/wapiti.py --budget 120        # a quick look
    .venv/bin/python bench/wapiti.py --keep              # keep the work folder (report, log)

Needs wapiti (installed with apt-get when missing and run as root), openssl and the built
front end (`make static`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

# bench/ is on the path when this file is run as a script.
from _content import PYTHON, ROOT, manage

# TOOLS.md's modules: everything that runs offline against the target. Never ssrf or xxe.
MODULES = (
    "exec,file,sql,blindsql,xss,permanentxss,crlf,redirect,http_headers,csp,cookieflags,methods"
)
FORBIDDEN_MODULES = {"ssrf", "xxe"}

# Findings that are not problems here, each with the reason. A finding matches an entry when its
# category is the key and the entry's text is in its path or its description.
ACCEPTED: dict[str, list[tuple[str, str]]] = {
    "HTTP Secure Headers": [
        (
            "X-XSS-Protection is not set",
            "X-XSS-Protection only switched on the 'XSS auditor' of old browsers, which they have "
            "all removed (Chrome 78, Edge 17; Firefox never had one) because the auditor itself "
            "let pages leak data across sites. OWASP's Secure Headers Project says not to send "
            "it (or to send 0, which wapiti 3.0.4 flags just the same), and Django dropped its "
            "setting in 4.0. What protects this site is the Content Security Policy without "
            "'unsafe-inline' on every page, which wapiti's csp module checked and passed.",
        )
    ],
    "HTTP methods": [
        (
            f"/accounts/{form}/: PUT",
            "django-allauth's sign-in and sign-up are Django FormViews, whose ProcessFormView "
            "treats PUT exactly as POST: the same form, the same validation and the same CSRF "
            "check (Django checks every method but GET, HEAD, OPTIONS and TRACE; "
            "tests/security/test_http_methods.py shows a PUT without a token is a 403).",
        )
        for form in ("login", "signup")
    ],
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_wapiti() -> str:
    found = shutil.which("wapiti")
    if found:
        return found
    apt = shutil.which("apt-get")
    if os.geteuid() == 0 and apt:
        say("Installing wapiti from Debian's packages")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=env)
        subprocess.run([apt, "install", "-y", "-qq", "wapiti"], check=True, env=env)
        found = shutil.which("wapiti")
    if not found:
        sys.exit("wapiti is not installed: apt-get install wapiti (as root)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_database(target: Path, env: dict[str, str]) -> str:
    """The development database, copied with SQLite's backup API (a consistent snapshot even
    while `make run` is using it), then migrated; or a fresh one with the demo content."""
    source = ROOT / "var" / "db.sqlite3"
    if source.exists():
        with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
            original.backup(copy)
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        return f"a copy of {source.relative_to(ROOT)}"
    say("No var/db.sqlite3 (make run makes it): building a database with the demo content")
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "setup_site")
    manage(env, "load_demo_content")
    return "a fresh database with the demo content"


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    openssl = shutil.which("openssl")
    if openssl is None:
        sys.exit("openssl is not installed (Debian: apt-get install openssl)")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    context = ssl._create_unverified_context()  # noqa: S323 - our own throwaway certificate
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"The site did not answer {url} within 90 s:\n{log.read_text()[-3000:]}")


def accepted_reason(category: str, finding: dict[str, Any]) -> str | None:
    text = f"{finding.get('path', '')} {finding.get('info', '')}"
    for needle, reason in ACCEPTED.get(category, []):
        if needle in text:
            return reason
    return None


def report(path: Path, seconds: float, target: str, database: str, modules: str) -> int:
    data = json.loads(path.read_text())
    rows: list[tuple[str, str, int, int]] = []
    problems: list[str] = []
    accepted: list[str] = []
    for kind in ("vulnerabilities", "anomalies"):
        for category, findings in sorted(data.get(kind, {}).items()):
            open_ = 0
            for finding in findings:
                reason = accepted_reason(category, finding)
                line = f"{category}: {finding.get('method', '')} {finding.get('path', '')} "
                line += f"{finding.get('parameter', '')} - {finding.get('info', '')}"
                if reason:
                    accepted.append(f"{line}\n    accepted: {reason}")
                else:
                    open_ += 1
                    problems.append(line)
            if findings:
                label = {"vulnerabilities": "vulnerability", "anomalies": "anomaly"}[kind]
                rows.append((label, category, len(findings), open_))
    # wapiti 3.0.4's methods module only logs what it finds (PUT, DELETE... offered by OPTIONS).
    log = path.with_name("wapiti.log")
    methods = [
        line.strip()
        for line in (log.read_text().splitlines() if log.exists() else [])
        if line.startswith("Interesting methods allowed on")
    ]
    if methods:
        open_ = 0
        for line in methods:
            reason = accepted_reason("HTTP methods", {"info": line})
            if reason:
                accepted.append(f"HTTP methods: {line}\n    accepted: {reason}")
            else:
                open_ += 1
                problems.append(f"HTTP methods: {line}")
        rows.append(("vulnerability", "HTTP methods (from the log)", len(methods), open_))
    infos = data.get("infos", {})
    print(f"\nwapiti {infos.get('version', '')} against {target} ({database}), {seconds:.0f} s")
    print(f"scope {infos.get('scope', '')}; modules: {modules}\n")
    print("| kind | category | found | not accepted |")
    print("| --- | --- | ---: | ---: |")
    for kind, category, found, open_ in rows:
        print(f"| {kind} | {category} | {found} | {open_} |")
    total = Counter()
    for _kind, _category, found, open_ in rows:
        total["found"] += found
        total["open"] += open_
    print(f"| **all** | | {total['found']} | {total['open']} |")
    found = re.search(r"Wapiti found (\d+) URLs and forms", log.read_text() if log.exists() else "")
    if found:
        print(f"\nURLs and forms found by the crawl, then attacked: {found[1]}")
    for line in accepted:
        print(f"\n{line}")
    for line in problems:
        print(f"\nFINDING {line}")
    return 1 if problems else 0


def scan(args: argparse.Namespace, wapiti: str, workdir: Path) -> int:
    env = {
        "SQLITE_PATH": str(workdir / "db.sqlite3"),
        "DJANGO_VAR_DIR": str(workdir / "var"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "ELASTICSEARCH_URL": "",
        "AWS_STORAGE_BUCKET_NAME": "",
        "DJANGO_DEBUG": "",
    }
    say("Copying the database")
    database = copy_database(workdir / "db.sqlite3", env)
    production = {
        **env,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Mail the scanner provokes (sign-ups, password resets) stays in memory.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "immediate",
        "DJANGO_LOG_FORMAT": "plain",
    }
    say("Collecting static files")
    manage(production, "collectstatic", "--no-input", "--verbosity", "0")
    cert, key = certificate(workdir)
    port = args.port or free_port()
    base = f"https://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    command = [
        PYTHON, "-m", "gunicorn", "cop_site.wsgi", "--workers", "2",
        "--bind", f"127.0.0.1:{port}", "--timeout", "30", "--error-logfile", "-",
        "--certfile", str(cert), "--keyfile", str(key), "--no-control-socket",
    ]  # fmt: skip
    say(f"Starting gunicorn (production settings, HTTPS) on {base}")
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **production},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(f"{base}/health/", server, log)
        out = workdir / "wapiti.json"
        # wapiti loads every module, even those not asked for, and its technology-detection
        # module (wapp, not used here) downloads its database from GitHub when its config
        # folder has none. An empty one keeps every request on 127.0.0.1.
        (workdir / "config").mkdir(exist_ok=True)
        (workdir / "config" / "apps.json").write_text('{"technologies": {}, "categories": {}}')
        # wapiti 3.0.4's --max-scan-time bounds the crawl only and --max-attack-time each
        # module, so the budget is shared out: a quarter to crawling, the rest across modules.
        modules = [m for m in args.modules.split(",") if m.strip()]
        crawl = max(30, args.budget // 4)
        per_module = max(10, (args.budget - crawl) // len(modules))
        wapiti_command = [
            wapiti, "-u", f"{base}/", "--scope", "folder", "-m", args.modules,
            "--flush-session", "--no-bugreport", "--verify-ssl", "0",
            "--max-scan-time", str(crawl), "--max-attack-time", str(per_module),
            "-d", str(args.depth),
            "--store-session", str(workdir / "session"), "--store-config", str(workdir / "config"),
            # No -x (exclude): Debian's wapiti 3.0.4 crashes on it under Python 3.11 (its
            # wildcard regex puts flags at the end). Nothing here needs excluding: the crawler
            # is anonymous and the database a throwaway copy.
            "-f", "json", "-o", str(out), "-v", "1",
        ]  # fmt: skip
        say(f"Scanning for at most {args.budget} s: {' '.join(wapiti_command)}")
        started = time.monotonic()
        with (workdir / "wapiti.log").open("w") as wapiti_log:
            # No standard input: wapiti asks questions on Ctrl-C, and must never wait for one.
            done = subprocess.run(
                wapiti_command,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=wapiti_log,
                stderr=subprocess.STDOUT,
                timeout=args.budget + 180,
                check=False,
            )
        seconds = time.monotonic() - started
        if not out.exists():
            tail = (workdir / "wapiti.log").read_text()[-3000:]
            sys.exit(f"wapiti wrote no report (exit {done.returncode}):\n{tail}")
        code = report(out, seconds, base, database, args.modules)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if errors:
            print(f"\nThe server logged {len(errors)} traceback(s): see {log}")
            code = 1
        return code
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--budget",
        type=int,
        default=600,
        help="seconds for the whole scan (default 600): a quarter crawls, the rest attacks",
    )
    parser.add_argument("--depth", type=int, default=3, help="crawl depth (default 3)")
    parser.add_argument("--modules", default=MODULES, help="wapiti modules (comma-separated)")
    parser.add_argument("--port", type=int, default=0, help="the site's port (default: free)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    chosen = {module.strip() for module in args.modules.split(",")}
    if chosen & FORBIDDEN_MODULES:
        sys.exit(f"Refusing {sorted(chosen & FORBIDDEN_MODULES)}: they call an outside host.")
    if not (ROOT / "cop_site" / "static" / "dist" / "css" / "main.css").exists():
        sys.exit("The front end is not built: run `make static` first.")
    wapiti = ensure_wapiti()

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    workdir = Path(tempfile.mkdtemp(prefix="exchange-wapiti-"))
    try:
        code = scan(args, wapiti, workdir)
    except KeyboardInterrupt:
        say("Interrupted: cleaning up")
        code = 130
    finally:
        if args.keep:
            say(f"Kept {workdir} (wapiti.json, wapiti.log, gunicorn.log)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
