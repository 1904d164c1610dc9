"""Pages of the forum. Views parse input, check access, call one service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import access as community_access
from community import selectors as community_selectors
from core.concurrency import VersionConflict, page_conflict
from core.forms import attachments_from
from forum import access, fragments, selectors, services
from forum.forms import (
    PostEditForm,
    PostForm,
    ReasonForm,
    SearchForm,
    ThreadEditForm,
    ThreadForm,
)
from forum.models import BODY_MAX_LENGTH, Category


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _thread_url(thread, page: int | None = None, number: int | None = None) -> str:
    url = thread.get_absolute_url()
    if page:  # explicit, also for page 1: without it the thread opens at the first unread
        url += f"?seite={page}"
    if number:
        url += f"#beitrag-{number}"
    return url


# --- reading ---------------------------------------------------------------------
@require_GET
def index(request):
    return render(
        request,
        "forum/index.html",
        {
            "categories": selectors.category_list(),
            "latest": fragments.render_thread_rows(
                selectors.latest_threads(viewer=request.user), show_category=True
            ),
            "search_form": SearchForm(),
        },
    )


@require_GET
def category(request, slug):
    category = access.access_category_page(request.user, slug)
    page = selectors.thread_page(
        viewer=request.user, category=category, after=request.GET.get("nach", "")[:60]
    )
    return render(
        request,
        "forum/category.html",
        {
            "category": category,
            "page": page,
            "rows": fragments.render_thread_rows(page.threads),
            "watching": category.watching,
            "can_start": access.can_start_thread(request.user, category),
        },
    )


def _requested_page(request, thread, pages: int) -> int | None:
    raw = request.GET.get("seite", "")
    if raw == "letzte":
        return pages
    if raw == "":
        return None
    try:
        page = int(raw)
    except ValueError as exc:
        raise Http404 from exc
    if not 1 <= page <= pages:
        raise Http404
    return page


@require_GET
def thread(request, pk):
    thread = access.access_thread_page(request.user, pk)
    pages = selectors.page_count(thread)
    page = _requested_page(request, thread, pages)
    if page is None:
        # Opening a thread goes to the first unread post.
        read = selectors.read_position(viewer=request.user, thread=thread)
        if 0 < read < thread.post_count:
            first_unread = read + 1
            return redirect(
                _thread_url(thread, selectors.page_of_number(first_unread), first_unread)
            )
        # Read to the end: back where the member left off; never opened: the start.
        page = selectors.page_of_number(read) if read else 1
    posts = selectors.post_page(thread=thread, page=page, viewer=request.user)
    if posts:
        services.thread_visit(member=request.user, thread=thread, number=posts[-1].number)
    context = fragments.post_context(request.user, thread)
    moderator = context["is_moderator"]
    return render(
        request,
        "forum/thread.html",
        {
            **context,
            "post_html": fragments.render_posts(posts, context),
            "page": page,
            "pages": pages,
            "tags": list(thread.tags.all()),
            "watching": thread.watching,
            "can_edit_thread": access.can_edit_thread(request.user, thread),
            # The linked project, only if the viewer may see it (a draft stays hidden).
            "thread_project": thread.project
            if community_access.project_visible_to(request.user, thread.project)
            else None,
            "categories": selectors.category_list() if moderator else (),
            "form": PostForm(),
            "body_max": BODY_MAX_LENGTH,
        },
    )


@require_GET
def post_fragment(request, pk):
    """One post as the thread page renders it for this viewer (fetched for live posts)."""
    post = access.access_post(request.user, pk)
    post = selectors.post_for_viewer(post_id=post.pk, viewer=request.user)
    context = fragments.post_context(request.user, post.thread)
    return HttpResponse(fragments.render_posts([post], context)[0])


@require_GET
def thread_row(request, pk):
    """One row of a thread list for this viewer (fetched when a thread starts live)."""
    thread = access.access_thread(request.user, pk)
    row = selectors.thread_row(viewer=request.user, thread_id=thread.pk)
    return HttpResponse(fragments.render_thread_rows([row])[0])


@require_GET
def post(request, pk):
    """A post's permanent link: the page of its thread that shows it."""
    post = access.access_post(request.user, pk)
    return redirect(_thread_url(post.thread, selectors.page_of_number(post.number), post.number))


@require_GET
def history(request, pk):
    post = access.access_post(request.user, pk)
    revisions = selectors.revision_list(post=post)
    return render(
        request,
        "forum/history.html",
        {"post": post, "revisions": revisions, "is_moderator": access.is_moderator(request.user)},
    )


@require_GET
def thread_history(request, pk):
    thread = access.access_thread(request.user, pk)
    return render(
        request,
        "forum/thread_history.html",
        {
            "thread": thread,
            "tags": list(thread.tags.all()),
            "revisions": selectors.thread_revision_list(thread=thread),
        },
    )


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = Paginator(
            selectors.post_search(viewer=request.user, q=form.cleaned_data["q"]), 20
        ).get_page(request.GET.get("page"))
        # Which attached file a hit came from (the text inside PDF, Word, OpenDocument).
        results.object_list = list(results.object_list)
        selectors.attachments_matching(posts=results.object_list, q=form.cleaned_data["q"])
    return render(request, "forum/search.html", {"form": form, "page": results})


# --- writing ---------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def thread_create(request):
    categories = Category.objects.all()
    if not access.is_moderator(request.user):
        categories = categories.filter(moderators_only_threads=False)
    projects = community_selectors.project_list(viewer=request.user).order_by("title")
    initial = {}
    if request.method == "GET":
        initial = {
            "category": request.GET.get("kategorie", "")[:100],
            "body": request.GET.get("text", "")[:500],
            "tags": [t[:60] for t in request.GET.getlist("fachgebiet")[:5]],
        }
    form = ThreadForm(
        request.POST or None, initial=initial, categories=categories, projects=projects
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(
                author=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                project=data["project"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("category", str(exc))
        else:
            return redirect(thread.get_absolute_url())
    return render(request, "forum/thread_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def thread_edit(request, pk):
    """Title and tags, for the thread's author and the moderators."""
    thread = access.access_thread(request.user, pk)
    if not access.can_edit_thread(request.user, thread):
        return HttpResponseForbidden(
            _("Nur wer das Thema begonnen hat, oder die Moderation ändert es.")
        )
    form = ThreadEditForm(
        request.POST or None, initial={"title": thread.title, "tags": list(thread.tags.all())}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_update(
                editor=request.user,
                thread=thread,
                title=form.cleaned_data["title"],
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Gespeichert."))
            return redirect(thread.get_absolute_url())
    return render(request, "forum/thread_edit.html", {"form": form, "thread": thread})


@require_http_methods(["GET", "POST"])
def reply(request, pk):
    """The full reply form: with ``?zitat=<post>`` it starts with that post quoted."""
    thread = access.access_thread(request.user, pk)
    if not access.can_reply(request.user, thread):
        return HttpResponseForbidden(_("Dieses Thema ist geschlossen."))
    initial = {}
    quote = request.GET.get("zitat")
    if request.method == "GET" and quote:
        quoted = access.access_post(request.user, quote)
        if quoted.thread_id != thread.pk:
            raise Http404
        initial["body"] = services.quote_source(post=quoted)
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(
                author=request.user,
                thread=thread,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(_thread_url(thread, selectors.page_of_number(post.number), post.number))
    return render(request, "forum/post_form.html", {"form": form, "thread": thread})


@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    post = access.access_post(request.user, pk)
    if not access.can_change_post(request.user, post):
        return HttpResponseForbidden(
            _("Nur die Verfasserin, der Verfasser oder die Moderation ändert einen Beitrag.")
        )
    form = PostEditForm(
        request.POST or None,
        initial={
            "body": post.body,
            "version": post.version,
            "attachments": [str(pk) for pk in post.attachments.values_list("pk", flat=True)],
        },
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_update(
                editor=request.user,
                post=post,
                body=form.cleaned_data["body"],
                attachments=attachments_from(form, request.POST),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except VersionConflict as exc:
            stored = PostEditForm(request.POST, initial={"body": exc.current.body})
            conflict = page_conflict(form, stored, version=exc.current.version)
        else:
            return redirect(post.get_absolute_url())
    return render(
        request,
        "forum/post_form.html",
        {"form": form, "thread": post.thread, "post": post, "conflict": conflict},
    )


@require_POST
def post_delete(request, pk):
    post = access.access_post(request.user, pk)
    if not access.can_change_post(request.user, post):
        return HttpResponseForbidden(_("Diesen Beitrag dürfen Sie nicht löschen."))
    services.post_delete(member=request.user, post=post)
    messages.success(request, _("Der Beitrag ist gelöscht."))
    return redirect(post.get_absolute_url())


@require_POST
def react(request, pk):
    post = access.access_post(request.user, pk)
    try:
        active = services.reaction_toggle(
            member=request.user, post=post, kind=request.POST.get("reaction", "")
        )
    except ValidationError as exc:
        if request.headers.get("accept") == "application/json":
            return JsonResponse({"detail": exc.messages[0]}, status=400)
        messages.error(request, exc.messages[0])
        return redirect(post.get_absolute_url())
    if request.headers.get("accept") == "application/json":
        return JsonResponse({"active": active})
    return redirect(post.get_absolute_url())


@require_POST
def solution(request, pk):
    post = access.access_post(request.user, pk)
    if not access.can_accept_solution(request.user, post.thread):
        return HttpResponseForbidden(
            _("Die Lösung wählt, wer das Thema begonnen hat, oder die Moderation.")
        )
    try:
        services.solution_accept(member=request.user, post=post)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Als Lösung markiert."))
    return redirect(post.get_absolute_url())


@require_POST
def watch(request, pk):
    thread = access.access_thread(request.user, pk)
    watching = request.POST.get("watch") == "1"
    services.subscription_set(member=request.user, watch=watching, thread=thread)
    return redirect(thread.get_absolute_url())


@require_POST
def watch_category(request, slug):
    category = access.access_category(request.user, slug)
    services.subscription_set(
        member=request.user, watch=request.POST.get("watch") == "1", category=category
    )
    return redirect(category.get_absolute_url())


@require_POST
def watch_tag(request, slug):
    tag = community_access.access_expertise(request.user, slug)
    services.subscription_set(member=request.user, watch=request.POST.get("watch") == "1", tag=tag)
    messages.success(request, _("Gespeichert."))
    return redirect(tag.get_absolute_url())


@require_http_methods(["GET", "POST"])
def flag(request, pk):
    post = access.access_post(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(member=request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Danke – die Moderation sieht sich den Beitrag an."))
            return redirect(post.get_absolute_url())
    return render(request, "forum/flag.html", {"form": form, "post": post})


@require_POST
def preview(request):
    """The composer's live preview: the same renderer as saving, nothing stored."""
    body = request.POST.get("body", "")
    if len(body) > BODY_MAX_LENGTH:
        return JsonResponse({"detail": _("Der Text ist zu lang.")}, status=400)
    return JsonResponse({"html": services.preview_render(body=body)})


@require_GET
def mention_suggestions(request):
    members = selectors.member_handles(q=request.GET.get("q", ""))
    return JsonResponse(
        {"results": [{"handle": m.handle, "display_name": m.display_name} for m in members]}
    )


# --- moderation --------------------------------------------------------------------
def _moderator_only(request):
    if not access.is_moderator(request.user):
        raise Http404


@require_GET
def moderation(request):
    _moderator_only(request)
    services.moderation_visit(moderator=request.user)
    return render(
        request,
        "forum/moderation.html",
        {
            "flags": selectors.flag_queue()[:100],
            "hidden": selectors.hidden_posts()[:50],
            "log": selectors.moderation_log()[:50],
            "hide_form": ReasonForm(),
        },
    )


@require_POST
def thread_moderate(request, pk):
    _moderator_only(request)
    thread = access.access_thread(request.user, pk)
    changes = {}
    for field in ("pinned", "locked"):
        if field in request.POST:
            changes[field] = request.POST[field] == "1"
    if request.POST.get("category"):
        changes["category"] = access.access_category(request.user, request.POST["category"])
    services.thread_moderate(moderator=request.user, thread=thread, **changes)
    messages.success(request, _("Gespeichert."))
    return redirect(thread.get_absolute_url())


@require_http_methods(["GET", "POST"])
def post_hide(request, pk):
    """GET: the reason form (linked from every post); POST: hide with that reason."""
    _moderator_only(request)
    post = access.access_post(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.post_hide(moderator=request.user, post=post, reason=form.cleaned_data["reason"])
        messages.success(request, _("Der Beitrag ist ausgeblendet."))
        if request.POST.get("next") == "queue":
            return redirect(reverse("forum:moderation"))
        return redirect(post.get_absolute_url())
    if request.method == "POST" and request.POST.get("next") == "queue":
        messages.error(request, _("Bitte einen Grund angeben."))
        return redirect(reverse("forum:moderation"))
    status = 400 if request.method == "POST" else 200
    return render(request, "forum/hide.html", {"form": form, "post": post}, status=status)


@require_POST
def post_unhide(request, pk):
    _moderator_only(request)
    post = access.access_post(request.user, pk)
    services.post_unhide(moderator=request.user, post=post)
    return redirect(post.get_absolute_url())


@require_POST
def flag_resolve(request, pk):
    flag = access.access_flag(request.user, pk)
    services.flag_resolve(moderator=request.user, flag=flag)
    messages.success(request, _("Die Meldung ist erledigt."))
    return redirect("forum:moderation")
