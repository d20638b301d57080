"""The one way Markdown becomes HTML on this site.

Editors, project leads and (later) forum members all type Markdown. Whatever they type is
rendered by Python-Markdown and then cleaned by nh3 against a small allow-list, so no script,
event handler, style or dangerous URL scheme can reach a reader's browser, whoever wrote it.
Everything that shows user Markdown calls `render_markdown` (templates use the `markdown`
filter, StreamField uses `MarkdownBlock`), so there is one place to audit.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]

# GOV.UK Frontend styles only elements that carry its classes, so the sanitised output is given
# them afterwards (nh3 strips any class an author typed, so these are the only classes present).
_GOVUK_CLASSES = {
    "<p>": '<p class="govuk-body">',
    "<ul>": '<ul class="govuk-list govuk-list--bullet">',
    "<ol>": '<ol class="govuk-list govuk-list--number">',
    "<h2>": '<h2 class="govuk-heading-m">',
    "<h3>": '<h3 class="govuk-heading-s">',
    "<h4>": '<h4 class="govuk-heading-s">',
    "<table>": '<table class="govuk-table">',
    "<a ": '<a class="govuk-link" ',
}


def sanitise_html(html: str) -> str:
    """Clean HTML to the allow-list; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    rendered = md.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    clean = sanitise_html(rendered)
    for bare, styled in _GOVUK_CLASSES.items():
        clean = clean.replace(bare, styled)
    return clean


def render_markdown(text: str | None) -> SafeString:
    """Render user Markdown to sanitised HTML that is safe to put in a page.

    Results are cached by text because the same summaries and bodies are shown on many pages.
    """
    if not text:
        return SafeString("")
    sanitised = _render(str(text))
    return mark_safe(sanitised)  # sanitised by nh3 in _render  # nosec B308 B703


def markdown_to_text(text: str | None) -> str:
    """Plain text of some Markdown, for search indexing and meta descriptions."""
    if not text:
        return ""
    without_tags = _TAG.sub(" ", render_markdown(text))
    return " ".join(html.unescape(without_tags).split())


_TAG = re.compile(r"<[^>]+>")


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_`#>|~]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)


def markdown_to_index_text(text: str | None) -> str:
    """Plain words of some Markdown for the search index, without rendering it.

    Rendering and sanitising every document would cap a rebuild at a few hundred documents a
    second; the index only needs the words, so links keep their text and markup is dropped.
    Nothing produced here is ever shown as HTML (snippets are escaped).
    """
    if not text:
        return ""
    text = _TAG.sub(" ", _MD_LINK.sub(r"\1", text))
    return " ".join(html.unescape(_MD_MARKS.sub(" ", text)).split())
