"""Event pages: the list, an event, RSVPs, calendar files and feeds, messages, a new event.

Every view starts from `Event.objects.visible_to` (through `communities.events.visible_event`):
an event the person may not see is a 404. Actions are POST-only and CSRF-protected, and every
form works without JavaScript and re-renders with GOV.UK error messages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from communities import events, permissions
from communities.forms.forum import DescribedErrorsMixin
from communities.models import RSVP, CommunityPage, Event, EventMessage, Membership

EVENTS_PER_PAGE = 20


# --- Forms ----------------------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"class": "govuk-input govuk-input--width-20", **(attrs or {})})
        self.format = "%Y-%m-%dT%H:%M"


class UKDateTimeField(forms.DateTimeField):
    """A date and time entered as UK time, with a clear message for the clock-change gaps."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "ambiguous_timezone":
                raise ValidationError(
                    gettext(
                        "That time does not exist, or happens twice, when the clocks change in "
                        "the UK. Choose a time at least an hour away from 1am to 2am."
                    ),
                    code="ambiguous_timezone",
                ) from error
            raise


class EventForm(DescribedErrorsMixin, forms.ModelForm):
    """The fields of an event; times are UK time (Europe/London), as people enter them."""

    joining_link = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label=gettext_lazy("Joining link"),
        help_text=Event._meta.get_field("joining_link").help_text,
        widget=forms.URLInput(attrs={"class": "govuk-input", "spellcheck": "false"}),
        error_messages={
            "invalid": gettext_lazy("Enter the joining link as a web address (https://…).")
        },
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "format",
            "start",
            "end",
            "venue_name",
            "venue_address",
            "joining_link",
            "capacity",
        ]
        labels = {
            "title": gettext_lazy("Title"),
            "description": gettext_lazy("Description"),
            "format": gettext_lazy("Format"),
            "start": gettext_lazy("Starts"),
            "end": gettext_lazy("Ends"),
            "venue_name": gettext_lazy("Venue"),
            "venue_address": gettext_lazy("Venue address"),
            "joining_link": gettext_lazy("Joining link"),
            "capacity": gettext_lazy("Number of places"),
        }
        field_classes = {"start": UKDateTimeField, "end": UKDateTimeField}
        help_texts = {
            "start": gettext_lazy("UK time, for example 28/03/2026 10:00."),
            "end": gettext_lazy("UK time. Must be after the start."),
        }
        widgets = {
            "title": forms.TextInput(attrs={"class": "govuk-input"}),
            "description": forms.Textarea(attrs={"class": "govuk-textarea", "rows": 6}),
            "format": forms.RadioSelect,
            "start": DateTimeLocalInput(),
            "end": DateTimeLocalInput(),
            "venue_name": forms.TextInput(attrs={"class": "govuk-input"}),
            "venue_address": forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
            "joining_link": forms.URLInput(attrs={"class": "govuk-input", "spellcheck": "false"}),
            "capacity": forms.NumberInput(
                attrs={"class": "govuk-input govuk-input--width-5", "inputmode": "numeric"}
            ),
        }
        error_messages = {
            "title": {
                "required": gettext_lazy("Give the event a title."),
                "max_length": gettext_lazy("Titles can be at most %(limit_value)d characters."),
            },
            "start": {
                "required": gettext_lazy("Enter when the event starts."),
                "invalid": gettext_lazy(
                    "Enter the start as a date and time, like 28/03/2026 10:00."
                ),
            },
            "end": {
                "required": gettext_lazy("Enter when the event ends."),
                "invalid": gettext_lazy("Enter the end as a date and time, like 28/03/2026 12:00."),
            },
            "joining_link": {
                "invalid": gettext_lazy("Enter the joining link as a web address (https://…).")
            },
            "capacity": {
                "invalid": gettext_lazy("Enter the number of places as a whole number, like 30."),
                "min_value": gettext_lazy(
                    "The number of places must be 1 or more (or leave it empty)."
                ),
            },
            "format": {
                "required": gettext_lazy("Choose whether the event is in person, online or hybrid.")
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M",
            ]
        self.fields["capacity"].widget.attrs["min"] = "1"

    def clean(self) -> dict:
        # That the end is after the start is the model's rule (Event.clean), checked next.
        data = super().clean()
        if data.get("format") == Event.Format.ONLINE:
            data["venue_name"] = data["venue_address"] = ""
        return data


class EditEventForm(EventForm):
    """Changing an event later: the same fields, plus notes afterwards and cancelling."""

    class Meta(EventForm.Meta):
        fields = [*EventForm.Meta.fields, "notes", "cancelled"]
        labels = {
            **EventForm.Meta.labels,
            "notes": gettext_lazy("Notes and learning from the event"),
            "cancelled": gettext_lazy("This event is cancelled"),
        }
        widgets = {
            **EventForm.Meta.widgets,
            "notes": forms.Textarea(attrs={"class": "govuk-textarea", "rows": 6}),
            "cancelled": forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
        }


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(
        choices=RSVP.Answer.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("Are you going?"),
        error_messages={
            "required": gettext_lazy("Choose going, maybe or not going."),
            "invalid_choice": gettext_lazy("Choose going, maybe or not going."),
        },
    )


class MessageForm(DescribedErrorsMixin, forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={
            "required": gettext_lazy("Give your message a subject."),
            "max_length": gettext_lazy("Subjects can be at most 200 characters."),
        },
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 10}),
        help_text=gettext_lazy("Plain text. It is emailed to everyone going or maybe going."),
        error_messages={
            "required": gettext_lazy("Write your message."),
            "max_length": gettext_lazy("Messages can be at most 10,000 characters."),
        },
    )


# --- Helpers --------------------------------------------------------------------------------------


def _crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(gettext("Home"), "/"), (gettext("Events"), reverse("communities:events")), *extra]


def _form_errors(form: forms.BaseForm, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        for message in error.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(error))


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _calendar_response(body: bytes, filename: str, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=900"
    return response


def _feeds(request: HttpRequest) -> list[dict]:
    """Each community this person belongs to, with the address of its calendar feed."""
    if not request.user.is_authenticated:
        return []
    communities = (
        CommunityPage.objects.readable_by(request.user)
        .filter(
            memberships__user=request.user,
            memberships__status=Membership.Status.ACTIVE,
        )
        .order_by("title")
    )
    out = []
    for community in communities:
        # The unprefixed address: a calendar subscription does not depend on the language.
        url = reverse("calendar_feed", args=[community.pk])
        personal = community.visibility != CommunityPage.Visibility.PUBLIC
        if personal:
            url += f"?token={events.feed_token(request.user, community)}"
        out.append(
            {"community": community, "url": request.build_absolute_uri(url), "personal": personal}
        )
    return out


def _list_context(request: HttpRequest, queryset: Any, past: bool) -> dict:
    me = permissions.standing(request.user)
    community = None
    raw = request.GET.get("community", "")
    if raw:
        if not raw.isdigit():
            raise Http404("No such community")
        community = CommunityPage.objects.readable_by(request.user).filter(pk=int(raw)).first()
        if community is None:
            raise Http404("No such community")
        queryset = queryset.filter(community=community)
    queryset = queryset.select_related("community").annotate(
        going=Count("rsvps", filter=Q(rsvps__answer="going", rsvps__waitlisted=False))
    )
    return {
        "events": Paginator(queryset, EVENTS_PER_PAGE).get_page(request.GET.get("page")),
        "past": past,
        "filter_community": community,
        "feeds": _feeds(request),
        "can_create_any": me.everywhere or bool(me.facilitates),
        "breadcrumbs": [(gettext("Home"), "/")] if not past else _crumbs(),
    }


# --- Views ----------------------------------------------------------------------------------------


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events this person may see, soonest first."""
    queryset = Event.objects.visible_to(request.user).upcoming()
    return render(request, "communities/events/list.html", _list_context(request, queryset, False))


@require_GET
def past_events(request: HttpRequest) -> HttpResponse:
    queryset = Event.objects.visible_to(request.user).past()
    return render(request, "communities/events/list.html", _list_context(request, queryset, True))


def _detail_context(request: HttpRequest, event: Event, **extra: Any) -> dict:
    answer = events.rsvp_of(request.user, event)
    counts = RSVP.objects.filter(event=event).aggregate(
        going=Count("pk", filter=Q(answer="going", waitlisted=False)),
        maybe=Count("pk", filter=Q(answer="maybe")),
        waiting=Count("pk", filter=Q(waitlisted=True)),
    )
    manage = events.can_manage(request.user, event)
    context = {
        "event": event,
        "answer": answer,
        "waiting_position": events.waiting_position(answer),
        "counts": counts,
        "places_left": (
            None if event.capacity is None else max(event.capacity - counts["going"], 0)
        ),
        "show_link": events.can_see_joining_link(request.user, event, answer),
        "can_manage": manage,
        "can_rsvp": not event.cancelled and not event.is_past,
        "rsvp_form": RSVPForm(initial={"answer": answer.answer if answer else None}),
        "breadcrumbs": _crumbs(),
        **extra,
    }
    if manage:
        context["attendees"] = events.attendees(event)
        context["waiting"] = (
            RSVP.objects.filter(event=event, waitlisted=True)
            .select_related("user")
            .order_by("position", "pk")
        )
        context["sent"] = EventMessage.objects.filter(event=event).select_related("sender")[:10]
    return context


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = events.visible_event(request.user, pk)
    return render(request, "communities/events/detail.html", _detail_context(request, event))


@require_POST
def event_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    event = events.visible_event(request.user, pk)
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(event.get_absolute_url())
    form = RSVPForm(request.POST)
    if form.is_valid():
        try:
            answer, waitlisted = events.rsvp(event, request.user, form.cleaned_data["answer"])
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            if waitlisted:
                position = events.waiting_position(answer)
                messages.success(
                    request,
                    gettext(
                        "The event is full, so you are on the waiting list (number %(position)s). "
                        "If a place comes free, it is yours and we will show it here."
                    )
                    % {"position": position},
                )
            else:
                messages.success(
                    request,
                    gettext("Your answer is saved: %(answer)s.")
                    % {"answer": answer.get_answer_display()},
                )
            return HttpResponseRedirect(event.get_absolute_url())
    context = _detail_context(request, event, rsvp_form=form)
    return render(request, "communities/events/detail.html", context, status=400)


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = events.visible_event(request.user, pk)
    body = events.ical_for_event(event, _base_url(request))
    name = slugify(event.title)[:60] or "event"
    private = event.community_id is not None and event.community.visibility != "public"
    return _calendar_response(body, f"{name}.ics", private)


@require_GET
def community_feed(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's calendar: for public communities anyone; otherwise a personal token.

    The token is checked on every fetch, so it stops working as soon as its owner may no
    longer read the community. Anything else answers 404.
    """
    community = CommunityPage.objects.live().filter(pk=community_id).first()
    if community is None:
        raise Http404("No such calendar")
    readable = CommunityPage.objects.readable_by(request.user).filter(pk=community.pk).exists()
    token = request.GET.get("token", "")
    if not readable and not (token and events.feed_reader(token, community)):
        raise Http404("No such calendar")
    body = events.ical_for_events(
        events.feed_events(community),
        gettext("%(community)s events") % {"community": community.title},
        _base_url(request),
    )
    private = community.visibility != CommunityPage.Visibility.PUBLIC or bool(token)
    return _calendar_response(body, f"{slugify(community.title) or 'events'}.ics", private)


@login_required
def event_message(request: HttpRequest, pk: int) -> HttpResponse:
    event = events.visible_event(request.user, pk)
    if not events.can_manage(request.user, event):
        raise PermissionDenied(
            gettext("Only the organiser and facilitators can message attendees.")
        )
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = events.send_message(
                event, request.user, form.cleaned_data["subject"], form.cleaned_data["body"]
            )
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Your message was emailed to %(count)d person.",
                    "Your message was emailed to %(count)d people.",
                    sent.recipients,
                )
                % {"count": sent.recipients},
            )
            return HttpResponseRedirect(event.get_absolute_url())
    context = {
        "event": event,
        "form": form,
        "recipients": events.attendees(event).count(),
        "breadcrumbs": _crumbs((event.title, event.get_absolute_url())),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/events/message.html", context, status=status)


@login_required
def new_event(request: HttpRequest) -> HttpResponse:
    """Facilitators create their community's events; curators also programme-wide ones."""
    raw = request.GET.get("community", "")
    community = None
    if raw:
        if not raw.isdigit():
            raise Http404("No such community")
        community = CommunityPage.objects.readable_by(request.user).filter(pk=int(raw)).first()
        if community is None:
            raise Http404("No such community")
    if not events.can_create(request.user, community):
        if community is None:
            raise PermissionDenied(gettext("Only curators can create programme-wide events."))
        raise PermissionDenied(gettext("Only this community's facilitators can create its events."))
    form = EventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in EventForm.Meta.fields}
        try:
            event = events.create_event(request.user, community, **fields)
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            messages.success(request, gettext("Your event has been published."))
            return HttpResponseRedirect(event.get_absolute_url())
    context = {
        "form": form,
        "community": community,
        "breadcrumbs": _crumbs(),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/events/form.html", context, status=status)


def edit_event(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser, facilitators or curators change an event, add notes, or cancel it."""
    event = Event.objects.visible_to(request.user).filter(pk=pk).select_related("community")
    event = event.first()
    if event is None:
        raise Http404("No such event")
    if not events.can_manage(request.user, event):
        raise PermissionDenied(gettext("Only the organiser or the community's facilitators can."))
    form = EditEventForm(request.POST if request.method == "POST" else None, instance=event)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("The event has been updated."))
        return HttpResponseRedirect(event.get_absolute_url())
    context = {
        "form": form,
        "community": event.community,
        "event": event,
        "editing": True,
        "breadcrumbs": _crumbs((event.title, event.get_absolute_url())),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/events/form.html", context, status=status)
