"""The directory's pages: find people by what they know, projects, who uses a tool.

Each page searches or shows what apps below community hold (the member search
reads the forum, a project shows its chat room), so they live above them all.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from community import access, selectors, services
from directory import federated
from directory import selectors as directory_selectors
from directory.forms import MemberFilterForm, ProjectFilterForm

# As many people per page as the API's default page.
PEOPLE_PER_PAGE = 25


@require_safe
def member_list(request):
    """The directory: find the colleague who has already done it."""
    form = MemberFilterForm(request.GET or None)
    filters = form.search_filters() if form.is_valid() else {}
    search = directory_selectors.member_search(viewer=request.user, **filters)
    paginator = directory_selectors.RankedPaginator(search.members, PEOPLE_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    results = [(member, search.reasons(member)) for member in page]
    return render(
        request,
        "directory/member_list.html",
        {"form": form, "page": page, "results": results, "searching": bool(filters)},
    )


@require_safe
def expertise_detail(request, slug):
    expertise = access.access_expertise(request.user, slug)
    search = directory_selectors.member_search(viewer=request.user, expertise=slug)
    paginator = directory_selectors.RankedPaginator(search.members, PEOPLE_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "directory/expertise_detail.html",
        {
            "expertise": expertise,
            "page": page,
            "learners": expertise.learners.filter(is_active=True),
        },
    )


@require_safe
def project_list(request):
    form = ProjectFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if "tool" in filters:
            filters["tool"] = services.tool_key(filters["tool"])
    projects = selectors.project_search(viewer=request.user, **filters)
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/project_list.html",
        {
            "form": form,
            "page": page,
            "tools": selectors.tool_list().filter(project_count__gt=0)[:30],
        },
    )


@require_safe
def project_detail(request, pk):
    project = access.access_project(request.user, pk)
    can_edit = access.can_edit_project(request.user, project)
    return render(
        request,
        "directory/project_detail.html",
        {
            "project": project,
            "can_edit": can_edit,
            "chat_room": directory_selectors.project_chat_room(
                project=project, viewer=request.user
            ),
            # The documents (prefetched with the project), and who may add some.
            "documents": list(project.attachments.all()),
            "can_add_documents": access.can_add_project_files(request.user, project),
            "invitation": selectors.project_invitation_of(project=project, viewer=request.user),
            "invited": selectors.project_invitations_open(project=project) if can_edit else (),
        },
    )


@require_safe
def tool_detail(request, key):
    """Wer nutzt X schon? Every municipality and project that uses a tool."""
    tool = access.access_tool(request.user, key)
    projects = directory_selectors.tool_usage(viewer=request.user, tool=tool)
    return render(request, "directory/tool_detail.html", {"tool": tool, "projects": projects})


SEARCH_KINDS = [
    ("member", gettext_lazy("Menschen")),
    ("project", gettext_lazy("Projekte")),
    ("thread", gettext_lazy("Forum")),
    ("event", gettext_lazy("Termine")),
    ("message", gettext_lazy("Chat")),
]
SEARCH_ALL_OF_KIND = {
    "member": gettext_lazy("Alle %(n)s Menschen anzeigen"),
    "project": gettext_lazy("Alle %(n)s Projekte anzeigen"),
    "thread": gettext_lazy("Alle %(n)s Forenthemen anzeigen"),
    "event": gettext_lazy("Alle %(n)s Termine anzeigen"),
    "message": gettext_lazy("Alle %(n)s Chat-Nachrichten anzeigen"),
}
# Hits per page when one kind is paged through.
SEARCH_PAGE_SIZE = 20


def _search_url(q: str, kind: str = "") -> str:
    params = {"q": q, "type": kind} if kind else {"q": q}
    return reverse("search") + "?" + urlencode(params)


@require_safe
def search(request):
    """The header's search box: each kind's best hits with a link to all of them, or one
    kind (``?type=``) paged through (``?page=``); tabs between the kinds with their counts."""
    q = " ".join(request.GET.get("q", "").replace("\x00", " ").split())
    kinds = [k for k in request.GET.getlist("type") if k in federated.KINDS]
    # One kind is paged through; several (from older links) or none: the overview.
    kind = kinds[0] if len(set(kinds)) == 1 else ""
    context = {"q": q[: federated.MAX_QUERY_LENGTH], "kind": kind}
    if len(q) > federated.MAX_QUERY_LENGTH:
        context["error"] = _("Die Suche ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": federated.MAX_QUERY_LENGTH
        }
    elif q:
        results = federated.search_everything(viewer=request.user, q=q)
        if results.terms:
            labels = dict(SEARCH_KINDS)
            # What the page shows is read with the counts (see SearchHits.expect).
            if kind:
                results.hits.expect_page(request.GET.get("page"), SEARCH_PAGE_SIZE, kind=kind)
            else:
                results.hits.expect(0, federated.PER_KIND)
            counts = results.hits.counts
            capped = results.hits.capped
            shown = {value: f"{n}+" if capped[value] else n for value, n in counts.items()}
            context["results"] = results
            context["total"] = results.hits.count()
            context["tabs"] = [
                (
                    "",
                    _("Alle"),
                    f"{context['total']}+" if any(capped.values()) else context["total"],
                    _search_url(q),
                )
            ] + [
                (value, label, shown[value], _search_url(q, value)) for value, label in SEARCH_KINDS
            ]
            if kind:
                context["kind_label"] = labels[kind]
                context["page"] = Paginator(results.hits.only(kind), SEARCH_PAGE_SIZE).get_page(
                    request.GET.get("page")
                )
            else:
                context["groups"] = [
                    (
                        value,
                        labels[value],
                        count,
                        hits,
                        SEARCH_ALL_OF_KIND[value] % {"n": shown[value]}
                        if count > len(hits)
                        else "",
                        _search_url(q, value),
                    )
                    for value, count, hits in results.overview()
                ]
        else:
            context["hint"] = _("Bitte mindestens ein Wort mit zwei Buchstaben eingeben.")
    return render(request, "directory/search.html", context)
