"""The forum's pages: a community's home, its threads, posting, and moderation.

`CommunityPage` routes each URL here (threads live under the community's URL). Every view starts
from the permission rule: anything the person may not read is a 404. Actions are POST-only and
CSRF-protected; each form works without JavaScript and re-renders with clear errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from communities import forum, membership, permissions
from communities.forms.forum import (
    EditForm,
    FlagForm,
    InviteForm,
    JoinRequestForm,
    MoveForm,
    ReasonForm,
    ReplyForm,
    ThreadForm,
)
from communities.models import (
    Attachment,
    CommunityPage,
    Flag,
    HelpfulMark,
    Membership,
    ModerationAction,
    Post,
    Thread,
)

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 20


def _crumbs(community: CommunityPage, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        (gettext("Home"), "/"),
        (gettext("Communities"), community.get_parent().url),
        (community.title, community.url),
        *extra,
    ]


def _page(community: CommunityPage, name: str, **kwargs: Any) -> str:
    return community.url + community.reverse_subpage(name, kwargs=kwargs or None)


def _context(request: HttpRequest, community: CommunityPage, **extra: Any) -> dict:
    me = permissions.standing(request.user)
    return {
        "page": community,
        "community": community,
        "can_read": permissions.can_read(request.user, community),
        "can_post": permissions.can_post(request.user, community),
        "can_moderate": permissions.can_moderate(request.user, community),
        "is_member": permissions.is_member(request.user, community),
        "has_requested": community.pk in me.requested,
        **extra,
    }


def _require_read(request: HttpRequest, community: CommunityPage) -> None:
    if not permissions.can_read(request.user, community):
        raise Http404("No such community forum")


def _require_signed_in(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _posted(request: HttpRequest, files: bool = False) -> tuple:
    """Form data only for a POST, so an empty POST is still a submitted (and invalid) form."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _safe_next(request: HttpRequest) -> str:
    """A `next` address only if it stays on this site (no open redirect)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _form_errors(form: Any, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(error))


# --- The community's home and its threads -------------------------------------------------------


def community_home(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    """The description and facilitators for everyone; the threads for those who may read."""
    context = _context(request, community)
    if context["can_read"]:
        threads = (
            Thread.objects.visible_to(request.user)
            .filter(community=community)
            .select_related("author", "author__profile", "theme")
            .order_by("-pinned", "-last_activity", "-pk")
        )
        context["threads"] = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    context["facilitators"] = community.facilitators()
    context["member_count"] = community.memberships.filter(status=Membership.Status.ACTIVE).count()
    if context["can_moderate"]:
        context["open_flags"] = Flag.objects.filter(
            post__thread__community=community, outcome=Flag.Outcome.OPEN
        ).count()
        context["open_requests"] = community.memberships.filter(
            status=Membership.Status.REQUESTED
        ).count()
    context["join_form"] = JoinRequestForm()
    return render(request, "communities/community_page.html", context)


def new_thread(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    _require_read(request, community)
    if response := _require_signed_in(request):
        return response
    if not permissions.can_post(request.user, community):
        messages.info(request, gettext("Join this community to start a thread."))
        return HttpResponseRedirect(community.url)
    form = ThreadForm(*_posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = forum.start_thread(
                community,
                request.user,
                title=data["title"],
                body=data["body"],
                theme=data["theme"],
                tags=data["tags"],
                uploads=data["attachments"],
                submission_key=data["submission_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            if thread.repeated:
                messages.success(
                    request,
                    gettext("Your thread had already been posted, so it was not added again."),
                )
            else:
                messages.success(request, gettext("Your thread has been posted."))
            return HttpResponseRedirect(thread.get_url())
    context = _context(
        request,
        community,
        form=form,
        breadcrumbs=_crumbs(community),
        title=gettext("Start a thread"),
    )
    return render(
        request,
        "communities/thread_form.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )


def thread_detail(
    request: HttpRequest, community: CommunityPage, thread_id: int, slug: str = ""
) -> HttpResponse:
    thread = forum.readable_thread(request.user, community, thread_id)
    if slug != thread.slug:
        return HttpResponseRedirect(thread.get_url(), status=301)
    posts = (
        Post.objects.visible_to(request.user)
        .filter(thread=thread)
        .select_related("author", "author__profile", "quoting", "quoting__author__profile")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created", "pk")
    )
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    helpful: set[int] = set()
    if request.user.is_authenticated:
        helpful = set(
            HelpfulMark.objects.filter(
                user=request.user, post__in=[p.pk for p in page]
            ).values_list("post_id", flat=True)
        )
    reply_form = ReplyForm(initial=_quote_initial(request, thread))
    context = _context(
        request,
        community,
        thread=thread,
        posts=page,
        helpful=helpful,
        opening_id=thread.posts.order_by("created", "pk").values_list("pk", flat=True).first(),
        form=reply_form,
        can_mark_answer=forum.can_mark_answer(request.user, thread),
        breadcrumbs=_crumbs(community),
    )
    return render(request, "communities/thread.html", context)


def _quote_initial(request: HttpRequest, thread: Thread) -> dict:
    quote = request.GET.get("quote", "")
    if not quote.isdigit():
        return {}
    post = Post.objects.visible_to(request.user).filter(pk=int(quote), thread=thread).first()
    if post is None or post.deleted or post.hidden:
        return {}
    from communities.models import display_name

    quoted = "\n".join(f"> {line}" for line in post.body.splitlines()[:20])
    # Translators: the first line of a reply that quotes an earlier post, in Markdown.
    wrote = gettext("%(name)s wrote:") % {"name": display_name(post.author)}
    return {"body": f"{wrote}\n\n{quoted}\n\n", "quoting": post.pk}


def _page_of(request: HttpRequest, post: Post) -> int:
    """The page of its thread a post is on, as the thread page paginates for this reader."""
    before = (
        Post.objects.visible_to(request.user)
        .filter(thread_id=post.thread_id)
        .filter(Q(created__lt=post.created) | Q(created=post.created, pk__lt=post.pk))
        .count()
    )
    return before // POSTS_PER_PAGE + 1


def reply_to_thread(request: HttpRequest, community: CommunityPage, thread_id: int):
    thread = forum.readable_thread(request.user, community, thread_id)
    if response := _require_signed_in(request):
        return response
    if request.method != "POST":
        return HttpResponseRedirect(thread.get_url() + "#reply")
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        quoting = None
        if data.get("quoting"):
            quoting = (
                Post.objects.visible_to(request.user)
                .filter(pk=data["quoting"], thread=thread)
                .first()
            )
        try:
            post = forum.reply(
                thread,
                request.user,
                body=data["body"],
                quoting=quoting,
                uploads=data["attachments"],
                submission_key=data["submission_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            if post.repeated:
                messages.success(
                    request,
                    gettext("Your reply had already been posted, so it was not added again."),
                )
            else:
                messages.success(request, gettext("Your reply has been posted."))
            page = _page_of(request, post)
            suffix = f"?page={page}" if page > 1 else ""
            return HttpResponseRedirect(f"{thread.get_url()}{suffix}#post-{post.pk}")
    context = _context(
        request,
        community,
        thread=thread,
        form=form,
        breadcrumbs=_crumbs(community, (thread.title, thread.get_url())),
        title=gettext("Reply"),
    )
    return render(request, "communities/reply_form.html", context, status=400)


# --- One post ------------------------------------------------------------------------------------


def edit_post(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    post = forum.readable_post(request.user, community, post_id)
    if response := _require_signed_in(request):
        return response
    if not forum.can_edit(request.user, post):
        raise Http404("No such post")  # someone else's post: nothing to edit here
    form = EditForm(*_posted(request), initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            forum.edit_post(post, request.user, form.cleaned_data["body"])
        except (ValidationError, PermissionDenied) as error:
            _form_errors(form, error)
        else:
            messages.success(request, gettext("Your post has been updated."))
            return HttpResponseRedirect(post.get_url())
    context = _context(
        request,
        community,
        post=post,
        thread=post.thread,
        form=form,
        breadcrumbs=_crumbs(community, (post.thread.title, post.thread.get_url())),
        title=gettext("Edit your post"),
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/post_edit.html", context, status=status)


def delete_post(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    post = forum.readable_post(request.user, community, post_id)
    if response := _require_signed_in(request):
        return response
    if post.author_id != request.user.pk or post.deleted:
        raise Http404("No such post")
    if request.method == "POST":
        forum.delete_post(post, request.user)
        messages.success(request, gettext("Your post has been deleted."))
        return HttpResponseRedirect(post.thread.get_url())
    context = _context(
        request,
        community,
        post=post,
        thread=post.thread,
        breadcrumbs=_crumbs(community, (post.thread.title, post.thread.get_url())),
    )
    return render(request, "communities/post_delete.html", context)


def post_history(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    """Earlier versions of a post, for its author and the community's facilitators."""
    post = forum.readable_post(request.user, community, post_id)
    user = request.user
    if not (
        user.is_authenticated
        and (post.author_id == user.pk or permissions.can_moderate(user, community))
    ):
        raise Http404("No such post")
    context = _context(
        request,
        community,
        post=post,
        thread=post.thread,
        revisions=post.revisions.select_related("edited_by", "edited_by__profile"),
        breadcrumbs=_crumbs(community, (post.thread.title, post.thread.get_url())),
    )
    return render(request, "communities/post_history.html", context)


def flag_post(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    post = forum.readable_post(request.user, community, post_id)
    if response := _require_signed_in(request):
        return response
    form = FlagForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        forum.flag_post(
            post, request.user, form.cleaned_data["reason"], form.cleaned_data["detail"]
        )
        messages.success(
            request, gettext("Thank you. The facilitators have been asked to look at this post.")
        )
        return HttpResponseRedirect(post.get_url())
    context = _context(
        request,
        community,
        post=post,
        thread=post.thread,
        form=form,
        breadcrumbs=_crumbs(community, (post.thread.title, post.thread.get_url())),
    )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/post_flag.html", context, status=status)


def _toggle(
    request: HttpRequest, community: CommunityPage, post_id: int, act, on: str, off: str
) -> HttpResponse:
    """A POST that turns something on a post on or off (helpful, answer), then back to it."""
    post = forum.readable_post(request.user, community, post_id)
    if response := _require_signed_in(request):
        return response
    try:
        now_on = act(post, request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, on if now_on else off)
    return HttpResponseRedirect(post.get_url())


@require_POST
def helpful(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    return _toggle(
        request,
        community,
        post_id,
        forum.toggle_helpful,
        gettext("Marked as helpful."),
        gettext("No longer marked as helpful."),
    )


@require_POST
def answer(request: HttpRequest, community: CommunityPage, post_id: int) -> HttpResponse:
    return _toggle(
        request,
        community,
        post_id,
        forum.mark_answer,
        gettext("Marked as the answer."),
        gettext("Answer unmarked."),
    )


# --- Moderation -------------------------------------------------------------------------------


def _require_moderator(request: HttpRequest, community: CommunityPage) -> None:
    _require_read(request, community)
    if not permissions.can_moderate(request.user, community):
        raise Http404("No such page")


def moderate_thread(request: HttpRequest, community: CommunityPage, thread_id: int):
    """Pin, lock, hide or move a thread (GET shows the choices, POST does one)."""
    _require_moderator(request, community)
    thread = forum.readable_thread(request.user, community, thread_id)
    targets = CommunityPage.objects.live().exclude(pk=community.pk).order_by("title")
    moderates = permissions.moderated_ids(request.user)
    if moderates is not None:
        targets = targets.filter(pk__in=sorted(moderates))
    reason_form = ReasonForm(*_posted(request))
    move_form = MoveForm(*_posted(request), targets=targets)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "move":
                if move_form.is_valid():
                    forum.move_thread(
                        thread,
                        request.user,
                        move_form.cleaned_data["target"],
                        move_form.cleaned_data["reason"],
                    )
                    messages.success(request, gettext("The thread has been moved."))
                    thread.refresh_from_db()
                    return HttpResponseRedirect(thread.get_url())
            elif reason_form.is_valid():
                forum.moderate_thread(
                    thread, request.user, action, reason_form.cleaned_data["reason"]
                )
                messages.success(request, gettext("Done. The action is in the moderation log."))
                return HttpResponseRedirect(thread.get_url())
        except ValidationError as error:
            reason_form.add_error(None, error.messages[0])
    context = _context(
        request,
        community,
        thread=thread,
        reason_form=reason_form,
        move_form=move_form if request.POST.get("action") == "move" else MoveForm(targets=targets),
        has_targets=targets.exists(),
        breadcrumbs=_crumbs(community, (thread.title, thread.get_url())),
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "communities/thread_moderate.html", context, status=status)


def moderate_post(request: HttpRequest, community: CommunityPage, post_id: int):
    """Hide or show a post, or dismiss its flags, with a reason for the log."""
    _require_moderator(request, community)
    post = forum.readable_post(request.user, community, post_id)
    form = ReasonForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        reason = form.cleaned_data["reason"]
        try:
            if action in ("hide", "show"):
                forum.moderate_post(post, request.user, action == "hide", reason)
            elif action == "dismiss":
                forum.dismiss_flags(post, request.user, reason)
            else:
                raise ValidationError(gettext("Choose an action."))
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, gettext("Done. The action is in the moderation log."))
            return HttpResponseRedirect(_safe_next(request) or post.get_url())
    context = _context(
        request,
        community,
        post=post,
        thread=post.thread,
        form=form,
        flags=post.flags.filter(outcome=Flag.Outcome.OPEN).select_related(
            "flagged_by", "flagged_by__profile"
        ),
        breadcrumbs=_crumbs(community, (post.thread.title, post.thread.get_url())),
    )
    status = 400 if form.is_bound else 200
    return render(request, "communities/post_moderate.html", context, status=status)


def moderation_queue(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    """Flagged posts waiting for a decision, and the log of what was done."""
    _require_moderator(request, community)
    flagged = (
        Post.objects.filter(thread__community=community, flags__outcome=Flag.Outcome.OPEN)
        .distinct()
        .select_related("thread__community", "author", "author__profile")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(outcome=Flag.Outcome.OPEN).select_related(
                    "flagged_by", "flagged_by__profile"
                ),
                to_attr="open_flags",
            )
        )
        .order_by("created")
    )
    log_entries = ModerationAction.objects.filter(community=community).select_related(
        "actor", "actor__profile", "thread__community", "member", "member__profile"
    )
    context = _context(
        request,
        community,
        flagged=flagged,
        log=Paginator(log_entries, 50).get_page(request.GET.get("page")),
        breadcrumbs=_crumbs(community),
    )
    return render(request, "communities/moderation.html", context)


# --- Membership ---------------------------------------------------------------------------------


def join(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    if response := _require_signed_in(request):
        return response
    if request.method != "POST":
        return HttpResponseRedirect(community.url)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        joined = membership.join(community, request.user, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        if joined.status == Membership.Status.ACTIVE:
            messages.success(
                request,
                gettext("You are now a member of %(community)s.") % {"community": community.title},
            )
        else:
            messages.success(
                request, gettext("Your request has been sent. A facilitator will look at it soon.")
            )
    return HttpResponseRedirect(community.url)


@require_POST
def leave(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    if response := _require_signed_in(request):
        return response
    try:
        membership.leave(community, request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("You have left %(community)s.") % {"community": community.title}
        )
    return HttpResponseRedirect(community.url)


def members(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    """Who belongs: names for readers; requests and management for facilitators."""
    _require_read(request, community)
    can_moderate = permissions.can_moderate(request.user, community)
    everyone = community.memberships.select_related("user", "user__profile").order_by(
        "-role", "user__username"
    )
    context = _context(
        request,
        community,
        active=[m for m in everyone if m.status == Membership.Status.ACTIVE],
        requests=[m for m in everyone if m.status == Membership.Status.REQUESTED]
        if can_moderate
        else [],
        invite_form=InviteForm(),
        breadcrumbs=_crumbs(community),
    )
    return render(request, "communities/members.html", context)


def manage_member(request: HttpRequest, community: CommunityPage, membership_id: int):
    _require_moderator(request, community)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = Membership.objects.filter(pk=membership_id, community=community).first()
    if target is None:
        raise Http404("No such member")
    action = request.POST.get("action", "")
    try:
        membership.manage_member(
            community, request.user, target, action, request.POST.get("reason", "")[:1000]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, gettext("Done. The change is in the moderation log."))
    return HttpResponseRedirect(_page(community, "members"))


def invite(request: HttpRequest, community: CommunityPage) -> HttpResponse:
    _require_moderator(request, community)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InviteForm(request.POST)
    if form.is_valid():
        membership.invite(community, request.user, form.cleaned_data["email"], request)
        messages.success(
            request,
            gettext("An invitation has been sent to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
    else:
        messages.error(request, form.errors["email"][0])
    return HttpResponseRedirect(_page(community, "members"))


# --- Feeds ----------------------------------------------------------------------------------------


class CommunityFeed(Feed):
    """New threads in a public community (private and members-only ones have no feed)."""

    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, community: CommunityPage) -> CommunityPage:
        if community.visibility != CommunityPage.Visibility.PUBLIC:
            raise Http404("Only public communities have feeds")
        return community

    def title(self, community: CommunityPage) -> str:
        return gettext("%(community)s: new threads") % {"community": community.title}

    def link(self, community: CommunityPage) -> str:
        return community.url

    def description(self, community: CommunityPage) -> str:
        return community.summary or (
            gettext("New threads in %(community)s") % {"community": community.title}
        )

    def items(self, community: CommunityPage):
        from django.contrib.auth.models import AnonymousUser

        return (
            Thread.objects.visible_to(AnonymousUser())
            .filter(community=community)
            .select_related("author", "author__profile", "community")
            .prefetch_related(
                Prefetch(
                    "posts",
                    queryset=Post.objects.filter(hidden=False, deleted__isnull=True).order_by(
                        "created", "pk"
                    ),
                )
            )
            .order_by("-created")[:30]
        )

    def item_title(self, thread: Thread) -> str:
        return thread.title

    def item_description(self, thread: Thread) -> str:
        from learning.markdown import render_markdown

        posts = list(thread.posts.all())
        return render_markdown(posts[0].body) if posts else ""

    def item_link(self, thread: Thread) -> str:
        return thread.get_url()

    def item_pubdate(self, thread: Thread):
        return thread.created

    def item_author_name(self, thread: Thread) -> str:
        from communities.models import display_name

        return display_name(thread.author)


class CommunityAtomFeed(CommunityFeed):
    feed_type = Atom1Feed
    subtitle = CommunityFeed.description
