"""Template access to the site's one Markdown renderer."""

from django import template
from django.utils.safestring import SafeString

from learning.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> SafeString:
    """Render Markdown typed by a person, sanitised; never use |safe on user text instead."""
    return render_markdown(value)
