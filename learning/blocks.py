"""StreamField blocks for knowledge content, above all the two-column learning history.

A learning history is a "jointly told tale": in each chapter, what participants said (in their
own words, attributed by role and never by name) sits beside the learning historian's reading
of it. Each block has its own template under templates/blocks/.
"""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy
from wagtail import blocks

from learning.markdown import markdown_to_text, render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Text typed as Markdown, rendered through the site's one sanitising path."""

    def render_basic(self, value, context=None) -> SafeString:
        return render_markdown(value)

    def get_searchable_content(self, value) -> list[str]:
        return [markdown_to_text(value)]

    class Meta:
        icon = "doc-full"
        help_text = gettext_lazy(
            "Plain text with Markdown: **bold**, *italic*, lists with '-', links as [text](https://...)."
        )


class NarrativeRowBlock(blocks.StructBlock):
    """One row of the tale: a participant's words beside the historian's commentary."""

    narrative = blocks.TextBlock(
        help_text=gettext_lazy(
            "What a participant said, in their own words. Quote; do not paraphrase."
        )
    )
    speaker_role = blocks.CharBlock(
        max_length=150,
        help_text=gettext_lazy(
            "Who said it, by role only, e.g. 'Chief executive, county council'. "
            "Never a person's name."
        ),
    )
    commentary = MarkdownBlock(
        required=False,
        help_text=gettext_lazy(
            "The learning historian's reading: what this shows, what is different, "
            "what others can learn. Markdown."
        ),
    )

    class Meta:
        icon = "openquote"
        template = "blocks/narrative_row.html"
        label = gettext_lazy("Narrative and commentary")


class ChapterBlock(blocks.StructBlock):
    """A chapter: a heading, an optional introduction and rows of narrative and commentary."""

    title = blocks.CharBlock(max_length=200)
    introduction = MarkdownBlock(required=False)
    rows = blocks.ListBlock(NarrativeRowBlock(), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "blocks/chapter.html"


class ReflectionQuestionsBlock(blocks.StructBlock):
    """Questions that invite readers to apply the learning to their own place."""

    heading = blocks.CharBlock(default=gettext_lazy("Questions for reflection"), max_length=100)
    questions = blocks.ListBlock(blocks.CharBlock(max_length=300), min_num=1)

    class Meta:
        icon = "help"
        template = "blocks/reflection_questions.html"


class CalloutBlock(blocks.StructBlock):
    """A highlighted passage: what is different, or the key learning."""

    kind = blocks.ChoiceBlock(
        choices=[
            ("different", gettext_lazy("What is different")),
            ("learning", gettext_lazy("Key learning")),
        ],
        default="learning",
    )
    heading = blocks.CharBlock(
        required=False, max_length=100, help_text=gettext_lazy("Optional heading.")
    )
    body = MarkdownBlock()

    class Meta:
        icon = "pick"
        template = "blocks/callout.html"


class KeyLearningBlock(blocks.StructBlock):
    """A short list of the most important lessons."""

    heading = blocks.CharBlock(default=gettext_lazy("Key learning"), max_length=100)
    points = blocks.ListBlock(blocks.CharBlock(max_length=400), min_num=1)

    class Meta:
        icon = "tick-inverse"
        template = "blocks/key_learning.html"


class LinkBlock(blocks.StructBlock):
    """A further-reading reference: a title and, where there is one, a web address."""

    title = blocks.CharBlock(max_length=300)
    url = blocks.URLBlock(required=False)

    class Meta:
        icon = "link"
        template = "blocks/link.html"


class LearningHistoryStreamBlock(blocks.StreamBlock):
    """The body of a learning history."""

    text = MarkdownBlock()
    chapter = ChapterBlock()
    what_is_different = CalloutBlock()
    reflection_questions = ReflectionQuestionsBlock()
    key_learning = KeyLearningBlock()


class MethodStreamBlock(blocks.StreamBlock):
    """The body of a method page: text, steps and callouts."""

    text = MarkdownBlock()
    callout = CalloutBlock()
