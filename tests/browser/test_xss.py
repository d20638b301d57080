"""Cross-site scripting, checked in a real browser: payloads in every field a member can fill in.

One member ("mallory", a facilitator, so every form is open to her) types a corpus of payloads
into every field the site offers members: a thread's title, body and tags, a reply and its edit,
a flag's detail, a moderation reason, a request to join, an invitation, her profile (name, job
title, about you), an event (title, description, venue, address, joining link, notes, a message
to attendees), the contact form and the search boxes. Then a second member ("victor") reads
every place those words are shown: the thread, its history, the community, the communities and
events lists, the home page, search results, notifications, her profile, the member directory,
the event, the moderation queue, the join requests, and the emails he is sent (the digest's HTML
is loaded into the browser as a mail client would).

Each browser context runs with the Content Security Policy switched off (`bypass_csp`), so this
tests the escaping itself, not the policy behind it: with the policy on, an injected inline
script would be blocked and the test could not tell. A payload "executes" if it calls `xss()`
(defined in every page), opens a dialog, makes the browser fetch anything from another host
(the attacker's `attacker.invalid`; no request leaves the machine, they are answered here), or
leaves live markup in the page (an `on...` attribute, a `javascript:` link, a script, frame or
style element that the site did not write). Where the field is plain text, the payload must
also be visible, exactly as typed, as text.
"""

from __future__ import annotations

import email
import email.header
import re
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import quote, urljoin

import pytest

from tests.browser.test_community_journey import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "xss-test-password-1"
WORD = "quokkaxss"  # in every payload-bearing title, so search finds exactly these

# --- The corpus -------------------------------------------------------------------------------
# Each payload calls xss(<its number>) or alert(), or loads something from attacker.invalid.
SCRIPT = "<script>xss(1)</script>"
IMG_ONERROR = "<img src=x onerror=xss(2)>"
ATTR_BREAK = '"><img src=x onerror=xss(3)>'
SINGLE_BREAK = "'><svg onload=xss(4)>"
SVG_SCRIPT = "<svg><script>xss(5)</script></svg>"
MD_JS_LINK = "[click me](javascript:xss(6))"
HTML_JS_LINK = '<a href="javascript:xss(7)">seven</a>'
TEMPLATE = "{{7*7}}{% now 'Y' %}"
IFRAME = '<iframe src="http://attacker.invalid/9"></iframe>'
REMOTE_IMG = '<img src="http://attacker.invalid/10.png">'
MD_REMOTE_IMG = "![pic](http://attacker.invalid/11.png)"
TOGGLE = "<details open ontoggle=xss(12)>x</details>"
STYLE_IMPORT = "<style>@import url(http://attacker.invalid/13.css);</style>"
JS_URL = "javascript:alert(14)"
TAB_JS_LINK = '<a href="jav&#x09;ascript:xss(15)">fifteen</a>'
TEXTAREA_BREAK = "</textarea><script>xss(16)</script>"
TITLE_BREAK = "</title><script>xss(17)</script>"
AUTOFOCUS = "<input autofocus onfocus=xss(18)>"
MD_HTML_MIX = "**bold** <b onmouseover=xss(19)>b</b> [d](data:text/html,<script>xss(19)</script>)"
BODY_ONLOAD = "<body onload=xss(20)>"
MXSS = "<math><mtext><table><mglyph><style><img src=x onerror=xss(21)>"
MD_REF_LINK = "[ref][r]\n\n[r]: javascript:xss(22)"
MD_AUTOLINK = "<javascript:xss(23)>"
NOSCRIPT = '<noscript><p title="</noscript><img src=x onerror=xss(24)>">'
ENTITY_LINK = "[x](&#106;avascript:xss(25))"
ALERT = "<script>alert(26)</script>"

CORPUS = [
    SCRIPT,
    IMG_ONERROR,
    ATTR_BREAK,
    SINGLE_BREAK,
    SVG_SCRIPT,
    MD_JS_LINK,
    HTML_JS_LINK,
    TEMPLATE,
    IFRAME,
    REMOTE_IMG,
    MD_REMOTE_IMG,
    TOGGLE,
    STYLE_IMPORT,
    JS_URL,
    TAB_JS_LINK,
    TEXTAREA_BREAK,
    TITLE_BREAK,
    AUTOFOCUS,
    MD_HTML_MIX,
    BODY_ONLOAD,
    MXSS,
    MD_REF_LINK,
    MD_AUTOLINK,
    NOSCRIPT,
    ENTITY_LINK,
    ALERT,
]
# Markdown fields take the whole corpus, a payload to a paragraph.
MARKDOWN = f"{WORD} markdown\n\n" + "\n\n".join(CORPUS)
# Plain-text fields that allow a line or two of text take as much as fits.
PLAIN = " ".join([ATTR_BREAK, SINGLE_BREAK, TITLE_BREAK, TEXTAREA_BREAK, SCRIPT, TEMPLATE])

# Short, single-line fields (limits: display name 100, job title 120, titles 200).
NAME = f"Mal{ATTR_BREAK}{TEMPLATE}"  # 48 characters
JOB_TITLE = f"{TITLE_BREAK}{SINGLE_BREAK}"
THREAD_TITLE = f"{WORD} {SCRIPT} {ATTR_BREAK} {TITLE_BREAK} {TEMPLATE}"
EVENT_TITLE = f"{WORD} event {IMG_ONERROR} {SINGLE_BREAK} {TEMPLATE}"
VENUE = f"{ATTR_BREAK}{SCRIPT}"
JOIN_LINK = "https://meet.example.org/x?a=\"><svg/onload=xss(27)>&b='><script>xss(27)</script>"
TAGS = f"{SCRIPT}, {SINGLE_BREAK[:40]}"

SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.utils import timezone
from communities.models import CommunityIndexPage, CommunityPage, Membership
index = CommunityIndexPage.objects.first()
def community(slug, policy):
    page = CommunityPage(
        title=slug.replace("-", " ").title(), slug=slug, visibility="public",
        join_policy=policy, summary="A community for the security tests.",
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page
lab = community("xss-lab", "open")
gate = community("xss-gate", "request")
people = {{}}
for name in ("mallory", "victor"):
    user = User.objects.create_user(name, f"{{name}}@example.org", "{PASSWORD}")
    user.date_joined = timezone.now() - timezone.timedelta(days=90)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(community=lab, user=user, role="facilitator")
    people[name] = user
Membership.objects.create(community=gate, user=people["victor"], role="facilitator")
print(lab.pk)
"""

# Run in every page before its own scripts: the function payloads call, and nothing else.
INIT_SCRIPT = "window.__xssHits = []; window.xss = (n) => window.__xssHits.push(String(n));"

# Live markup a payload could leave behind. The site writes no inline handlers, no inline
# scripts (the CSP forbids both), no frames and no <style> or <link> in the body.
DOM_SCAN = r"""() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}="${attr.value}"`);
      if (urlAttrs.includes(name) && /^\s*(javascript|vbscript|data):/i.test(attr.value)) {
        found.push(`${el.tagName} ${name}="${attr.value}"`);
      }
      if (name !== 'href' && name !== 'value' && attr.value.includes('attacker.invalid')) {
        found.push(`${el.tagName} ${name}="${attr.value}"`);
      }
    }
  }
  for (const el of document.querySelectorAll('iframe, frame, object, embed, base, math')) {
    found.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.body.querySelectorAll('style, link, meta')) {
    found.push(el.outerHTML.slice(0, 120));
  }
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin) {
      found.push('script: ' + (script.src || script.textContent.slice(0, 80)));
    }
  }
  return found;
}"""


@dataclass
class Watch:
    """What a browser context saw that it should not have: the test fails if any is set."""

    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0


def _context(browser, site, watch: Watch):
    """A context with the CSP off, `xss()` defined, dialogs and foreign requests recorded."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.add_init_script(INIT_SCRIPT)

    def foreign(route):
        watch.requests.append(route.request.url)
        route.fulfill(status=204, body="")  # answered here: nothing leaves the machine

    context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).+"), foreign)

    def on_dialog(dialog):
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.on("page", lambda tab: tab.on("dialog", on_dialog))
    return context


def check(page, watch: Watch, where: str, shows: tuple[str, ...] = ()) -> str:
    """Nothing ran or was injected on this page, and each plain-text payload shows as text."""
    page.wait_for_timeout(150)  # let late events (ontoggle, autofocus) fire if they could
    watch.pages += 1
    hits = page.evaluate("window.__xssHits")
    if hits:
        watch.problems.append(f"{where}: xss() ran for payload(s) {hits}")
    for found in page.evaluate(DOM_SCAN):
        watch.problems.append(f"{where}: live markup: {found}")
    text = page.locator("body").inner_text()
    for expected in shows:
        if expected not in text:
            watch.problems.append(f"{where}: the text {expected!r} is not shown as typed")
    return text


def visit(page, watch: Watch, url: str, where: str, shows: tuple[str, ...] = ()) -> str:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{where}: {url} answered {response}"
    return check(page, watch, where, shows)


def submit(page, button: str) -> None:
    page.locator("main").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def _messages(site) -> list[Message]:
    """Every email the site has written (the file backend puts several in one file)."""
    found = []
    for blob in site.emails():
        for part in re.split(r"\n-{79}\n", blob):
            if part.strip():
                found.append(email.message_from_string(part.lstrip()))
    return found


def _bodies(message: Message, kind: str) -> list[str]:
    return [
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_type() == kind
    ]


def test_no_payload_runs_anywhere_it_is_shown(live_site, browser):
    site = live_site
    lab_id = site.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    watch = Watch()

    # The detector itself: a payload that does get into a page is caught, all four ways.
    control = Watch()
    probe_ctx = _context(browser, site, control)
    probe = probe_ctx.new_page()
    probe.goto(f"{site.url}/robots.txt")
    probe.set_content(f"<p>{IMG_ONERROR}{REMOTE_IMG}{ALERT}{HTML_JS_LINK}</p>")
    check(probe, control, "control")
    probe_ctx.close()
    assert any("xss() ran" in problem for problem in control.problems), control
    assert any("live markup" in problem for problem in control.problems), control
    assert control.dialogs and control.requests, control

    lab = f"{site.url}/en/communities/xss-lab/"
    gate = f"{site.url}/en/communities/xss-gate/"

    mallory_ctx = _context(browser, site, watch)
    mallory = mallory_ctx.new_page()
    sign_in(mallory, site, "mallory", PASSWORD)
    victor_ctx = _context(browser, site, watch)
    victor = victor_ctx.new_page()
    sign_in(victor, site, "victor", PASSWORD)

    # --- Mallory fills in every field ------------------------------------------------------
    mallory.goto(f"{site.url}/en/accounts/profile/")
    mallory.get_by_label("Display name").fill(NAME)
    mallory.get_by_label("Job title").fill(JOB_TITLE)
    mallory.get_by_label("About you").fill(PLAIN)
    mallory.get_by_label("Frail elderly").check()
    mallory.get_by_label("Anyone, including people who are not signed in").check()
    submit(mallory, "Save your profile")
    check(mallory, watch, "her own profile", shows=(NAME, JOB_TITLE))

    mallory.goto(f"{lab}threads/new/")
    mallory.get_by_label("Title").fill(THREAD_TITLE)
    mallory.get_by_label("Your post").fill(MARKDOWN)
    mallory.get_by_label("Theme").select_option(label="Frail elderly")
    mallory.get_by_label("Tags").fill(TAGS)
    submit(mallory, "Post thread")
    thread_url = mallory.url
    assert re.search(r"/threads/\d+/", thread_url), f"the thread was not posted: {thread_url}"
    check(mallory, watch, "the new thread (author)", shows=(THREAD_TITLE,))

    # Victor answers (so Mallory has someone else's post to flag) and Victor is mentioned.
    victor.goto(thread_url)
    victor.get_by_label("Your reply").fill(f"{WORD} A plain answer from Victor.")
    submit(victor, "Post reply")
    victor_post = re.search(r"#post-(\d+)", victor.url).group(1)

    mallory.goto(thread_url)
    mallory.get_by_label("Your reply").fill(f"@victor {MD_HTML_MIX}\n\n{IMG_ONERROR}\n\n{WORD}")
    submit(mallory, "Post reply")
    reply_id = re.search(r"#post-(\d+)", mallory.url).group(1)
    mallory.goto(f"{lab}posts/{reply_id}/edit/")
    check(mallory, watch, "the edit form", shows=())
    mallory.get_by_label("Your post").fill(f"{MARKDOWN}\n\nEdited.")
    submit(mallory, "Save changes")

    mallory.goto(f"{lab}posts/{victor_post}/flag/")
    mallory.locator("main input[type=radio]").first.check()
    mallory.get_by_label("Anything the facilitators should know (optional)").fill(PLAIN)
    submit(mallory, "Send to the facilitators")

    thread_id = re.search(r"/threads/(\d+)/", thread_url).group(1)
    mallory.goto(f"{lab}threads/{thread_id}/moderate/")
    mallory.get_by_label("Reason (recorded in the moderation log)").fill(PLAIN)
    submit(mallory, "Pin to the top")

    mallory.goto(gate)
    mallory.get_by_label("Why would you like to join? (optional)").fill(PLAIN)
    submit(mallory, "Ask to join")

    # An event: the joining link refuses a javascript: address, then takes a web address
    # whose query string tries to break out of the attribute.
    mallory.goto(f"{site.url}/en/events/new/?community={lab_id}")
    mallory.get_by_label("Title").fill(EVENT_TITLE)
    mallory.get_by_label("Description").fill(MARKDOWN)
    mallory.get_by_label("Hybrid (in person and online)").check()
    mallory.get_by_label("Starts").fill("2031-05-01T10:00")
    mallory.get_by_label("Ends").fill("2031-05-01T12:00")
    mallory.get_by_label("Venue", exact=True).fill(VENUE)
    mallory.get_by_label("Venue address").fill(PLAIN)
    mallory.get_by_label("Joining link").fill(JS_URL)
    submit(mallory, "Publish event")
    assert "Enter the joining link as a web address" in mallory.locator("main").inner_text()
    check(mallory, watch, "the event form with errors", shows=())
    mallory.get_by_label("Joining link").fill(JOIN_LINK)
    submit(mallory, "Publish event")
    event_url = mallory.url
    assert re.search(r"/events/\d+/$", event_url), f"the event was not created: {event_url}"
    event_id = re.search(r"/events/(\d+)/", event_url).group(1)
    mallory.goto(f"{site.url}/en/events/{event_id}/edit/")
    mallory.get_by_label("Notes and learning from the event").fill(MARKDOWN)
    submit(mallory, "Save changes")

    victor.goto(event_url)
    victor.get_by_label("Going", exact=True).check()
    submit(victor, "Save your answer")
    mallory.goto(f"{site.url}/en/events/{event_id}/message/")
    mallory.get_by_label("Subject").fill(PLAIN[:200])
    mallory.get_by_label("Message").fill(MARKDOWN)
    submit(mallory, "Send message")

    mallory.goto(f"{site.url}/en/members/victor/contact/")
    mallory.get_by_label("Subject").fill(PLAIN[:150])
    mallory.get_by_label("Message").fill(MARKDOWN[:3000])
    submit(mallory, "Send message")

    mallory.goto(f"{lab}members/")
    mallory.get_by_label("Email address").fill(f"x{ATTR_BREAK}@example.org")
    submit(mallory, "Send invitation")
    check(mallory, watch, "the members page after a bad invitation", shows=())

    # --- Victor reads everything ------------------------------------------------------------
    shows_thread = (THREAD_TITLE, NAME)
    visit(victor, watch, thread_url, "the thread", shows=shows_thread)
    assert victor.title().startswith(THREAD_TITLE), "the page title must show the title as text"
    visit(victor, watch, f"{lab}posts/{reply_id}/history/", "the post's edit history")
    visit(victor, watch, lab, "the community page", shows=(THREAD_TITLE,))
    visit(victor, watch, f"{site.url}/en/communities/", "the communities list")
    visit(victor, watch, f"{site.url}/en/", "the home page")
    visit(victor, watch, f"{lab}moderation/", "the moderation queue", shows=(PLAIN, NAME))
    visit(victor, watch, f"{lab}posts/{victor_post}/moderate/", "a flagged post", shows=(PLAIN,))
    visit(victor, watch, f"{gate}members/", "join requests", shows=(PLAIN,))
    visit(victor, watch, f"{site.url}/en/notifications/", "notifications", shows=(NAME,))
    visit(victor, watch, f"{site.url}/en/members/mallory/", "her profile", shows=(NAME, JOB_TITLE))
    visit(victor, watch, f"{site.url}/en/members/?q=Mal", "the member directory", shows=(NAME,))
    visit(victor, watch, f"{site.url}/en/themes/frail-elderly/", "the theme page")
    visit(victor, watch, event_url, "the event", shows=(EVENT_TITLE, VENUE))
    visit(victor, watch, f"{site.url}/en/events/", "the events list", shows=(EVENT_TITLE,))
    visit(victor, watch, f"{site.url}/en/events/past/", "past events")

    # The search box, typed into as a person would; then results by tag.
    victor.goto(f"{site.url}/en/search/")
    search_box = victor.locator("main input[type=search]").first
    search_box.fill(WORD)
    search_box.press("Enter")
    victor.wait_for_load_state()
    check(victor, watch, "search results", shows=(THREAD_TITLE,))
    search_box = victor.locator("main input[type=search]").first
    search_box.fill(f"{WORD} {PLAIN}")
    search_box.press("Enter")
    victor.wait_for_load_state()
    check(victor, watch, "search for a payload")
    tag_links = [a.get_attribute("href") for a in victor.locator("main a[href*='tag=']").all()]
    assert tag_links, "the results offer no tag to filter by"
    for href in tag_links[:2]:
        visit(victor, watch, urljoin(victor.url, href), "a tag search")

    # Reflected: payloads in the query strings of pages that echo a bad value.
    for path in (
        "/en/search/?q={p}&sort={p}&type={p}",
        "/en/members/?q={p}&org={p}&theme={p}",
        "/en/savings/?theme={p}",
        "/en/savings/records/?status={p}",
        "/en/barriers-and-enablers/?kind={p}",
        "/en/who-is-doing-what/?theme={p}",
        "/en/events/?community={p}",
        "/en/reuse/?theme={p}",
        "/en/accounts/login/?next={p}",
    ):
        visit(victor, watch, site.url + path.format(p=quote(PLAIN)), f"reflected: {path}")

    # --- Email, as a mail client shows it --------------------------------------------------
    site.manage("send_digests", "--period", "daily")
    messages = _messages(site)
    to_victor = [m for m in messages if "victor@example.org" in (m["To"] or "")]
    assert to_victor, "no email reached Victor"
    html_bodies = [body for m in to_victor for body in _bodies(m, "text/html")]
    assert any(WORD in body for body in html_bodies), "the digest did not include the thread"
    for number, body in enumerate(html_bodies, start=1):
        victor.set_content(body)
        check(victor, watch, f"email HTML {number}")
    for message in to_victor:
        # Headers are text: no markup turned into entities, no header broken into two.
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        assert "&lt;" not in subject and "&quot;" not in subject, subject
        for text in _bodies(message, "text/plain"):
            # Plain text stays plain: what was typed, never HTML entities.
            assert "&lt;script&gt;" not in text and "&quot;&gt;" not in text, text[:500]
    # The digest, the organiser's message to attendees and Mallory's contact message.
    assert len(to_victor) >= 3, [m["Subject"] for m in to_victor]

    # --- The calendar file: one event, the title as its summary, nothing injected ----------
    calendar = victor.request.get(f"{site.url}/events/{event_id}/event.ics")
    assert calendar.status == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.headers["content-disposition"].startswith("attachment")
    from icalendar import Calendar

    parsed = Calendar.from_ical(calendar.body())
    events = [c for c in parsed.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == EVENT_TITLE
    assert b"\nBEGIN:VEVENT" in calendar.body() and calendar.body().count(b"BEGIN:VEVENT") == 1

    # --- The verdict --------------------------------------------------------------------------
    mallory_ctx.close()
    victor_ctx.close()
    assert watch.pages >= 30, f"only {watch.pages} pages were checked"
    assert not watch.dialogs, f"a payload opened a dialog: {watch.dialogs}"
    assert not watch.requests, f"a payload fetched from another host: {watch.requests}"
    assert not watch.problems, "\n".join(watch.problems)
