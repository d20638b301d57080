"""Forms for threads, replies, flags and moderation.

They check shape (lengths, required fields, files); `communities.forum` checks the rules and
the content (Markdown with readable text, rate limits) so that every caller gets the same checks.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from communities.forum import clean_body, clean_title
from communities.models import Flag
from communities.models.forum import BODY_MAX, TITLE_MAX
from learning.models import Theme

MARKDOWN_HINT = gettext_lazy(
    "You can use Markdown: a blank line between paragraphs, '-' for a list, **bold**, and links "
    "as [text](https://address). Mention someone with @username."
)


class DescribedErrorsMixin:
    """Point each invalid field's aria-describedby at its error message as well as its hint.

    Django links the hint itself; screen readers should also hear the error when they land on
    the field (WCAG 3.3.1). The template gives the message the id "<field id>-error".
    """

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field_id = self[name].auto_id
            described = [f"{field_id}-error"]
            if self.fields[name].help_text:
                described.insert(0, f"{field_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)
            self.fields[name].widget.attrs["aria-invalid"] = "true"


BODY_ERRORS = {
    "required": gettext_lazy("Write something in your post."),
    "max_length": format_lazy(
        gettext_lazy("Posts can be at most {limit} characters."), limit=f"{BODY_MAX:,}"
    ),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; `communities.attachments` checks each one's real type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "govuk-file-upload"}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Attachments"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        from communities.attachments import check_uploads

        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            return []
        return check_uploads(files)


def _attachments_help() -> str:
    from django.conf import settings

    types = ", ".join(sorted(settings.COMMUNITY_ATTACHMENT_TYPES))
    limit = settings.COMMUNITY_ATTACHMENT_MAX_BYTES / (1 << 20)
    return gettext("Optional. Up to %(count)s files, each up to %(size)s MB: %(types)s.") % {
        "count": settings.COMMUNITY_ATTACHMENTS_PER_POST,
        "size": f"{limit:g}",
        "types": types,
    }


class BodyMixin:
    def clean_body(self) -> str:
        return clean_body(self.cleaned_data.get("body", ""))


class SubmissionKeyMixin:
    """A hidden random key, new each time the empty form is shown, sent back with the post.

    `communities.forum` keeps it on the post it makes, so the same form sent twice (a retry
    after a lost answer, a reload, a double click) makes one post. A form shown again with its
    errors keeps the key it was sent with: nothing was saved under it. A missing or malformed
    key is no key (older pages, scripts), never an error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_key"] = forms.CharField(
            required=False, max_length=64, widget=forms.HiddenInput, initial=uuid.uuid4
        )

    def clean_submission_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data.get("submission_key") or "")
        except ValueError:
            return None


class ThemeChoiceField(forms.ModelChoiceField):
    """Themes by the name people read in their language (Welsh on the Welsh site)."""

    def label_from_instance(self, obj: Theme) -> str:
        return obj.display_name


class ThreadForm(SubmissionKeyMixin, DescribedErrorsMixin, BodyMixin, forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=TITLE_MAX,
        error_messages={
            "required": gettext_lazy("Give your thread a title."),
            "max_length": gettext_lazy("Titles can be at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        help_text=gettext_lazy("A question or topic in a sentence, so others can find it."),
    )
    body = forms.CharField(
        label=gettext_lazy("Your post"),
        max_length=BODY_MAX,
        error_messages=BODY_ERRORS,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 10}),
        help_text=MARKDOWN_HINT,
    )
    theme = ThemeChoiceField(
        queryset=Theme.objects.order_by("name"),
        required=False,
        label=gettext_lazy("Theme"),
        empty_label=gettext_lazy("No particular theme"),
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    tags = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("Tags"),
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        help_text=gettext_lazy(
            "Optional. Words or short phrases separated by commas, e.g. pooled budgets, scrutiny."
        ),
    )
    attachments = AttachmentsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()

    def clean_title(self) -> str:
        return clean_title(self.cleaned_data.get("title", ""))

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "")
        tags = [" ".join(tag.split()) for tag in raw.split(",") if tag.strip()]
        if len(tags) > 8:
            raise ValidationError(gettext("Use at most 8 tags."))
        if any(len(tag) > 50 for tag in tags):
            raise ValidationError(gettext("Each tag can be at most 50 characters."))
        return list(dict.fromkeys(tags))


class ReplyForm(SubmissionKeyMixin, DescribedErrorsMixin, BodyMixin, forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=BODY_MAX,
        error_messages={**BODY_ERRORS, "required": gettext_lazy("Write your reply.")},
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 8}),
        help_text=MARKDOWN_HINT,
    )
    quoting = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = AttachmentsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()


class EditForm(DescribedErrorsMixin, BodyMixin, forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your post"),
        max_length=BODY_MAX,
        error_messages=BODY_ERRORS,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 10}),
        help_text=MARKDOWN_HINT,
    )


class FlagForm(DescribedErrorsMixin, forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices,
        label=gettext_lazy("Reason"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose why you are flagging this post.")},
    )
    detail = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Anything the facilitators should know (optional)"),
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )


class ReasonForm(DescribedErrorsMixin, forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Reason (recorded in the moderation log)"),
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2}),
    )


class MoveForm(ReasonForm):
    target = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Move to"),
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={"required": gettext_lazy("Choose the community to move the thread to.")},
    )

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class JoinRequestForm(DescribedErrorsMixin, forms.Form):
    message = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Why would you like to join? (optional)"),
        help_text=gettext_lazy("The facilitators read this when they decide."),
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )


class InviteForm(DescribedErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        widget=forms.EmailInput(attrs={"class": "govuk-input", "autocomplete": "off"}),
        error_messages={"invalid": gettext_lazy("Enter an email address like name@example.org.")},
    )
