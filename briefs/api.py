"""The read-only JSON API: published briefs in the export format.

``/api/briefs/`` lists published briefs newest first, a page at a time;
``/api/briefs/<slug>/`` is one brief. Both start from
``Brief.objects.published()``, so a draft or a scheduled brief is exactly as
absent here as a slug that never existed. ``briefs/openapi.py`` describes
both; the rules below are the contract it documents.

- Each brief is ``briefs.ingest.exporting.brief_to_dict`` plus two keys: ``url``, the
  brief's absolute public address, and ``updated_at``, the latest of its last
  save, its publication time (so a scheduled brief that has just gone live
  counts as updated when readers first see it) and its latest update or
  correction (recorded without a save of the brief itself, so it must be
  counted on its own). The export's ``version`` and ``corrections`` carry the
  readers' record of change.
- ``?tag=<slug>`` keeps briefs that carry the tag themselves or in any of
  their sections, as the tag page does. A slug no published brief uses gives
  an empty page, not an error: answering differently for a tag that exists
  only on drafts would reveal it.
- ``?updated_since=<ISO 8601>`` keeps briefs whose ``updated_at`` is at or
  after it; a date means midnight UTC and a date-time without offset is UTC.
  It is compared in UTC: PostgreSQL refuses offsets past ±15:59 that ISO
  8601 and Python allow (to ±23:59), and a moment whose UTC time falls
  outside years 1 to 9999 is a 400.
- ``?page=<n>`` from 1. A page that is not a whole number, or past the last
  page, an unknown parameter, or a parameter given twice is a 400 naming the
  parameter: ``{"error": {"parameter": ..., "message": ...}}``.
- ``source.path`` is relative to the project for a file inside it and only
  the file name for one outside it: the server's folders are nobody's
  business. ``export_briefs``, the operator's command, keeps the full path.
- Only GET and HEAD: any other method is a 405 with ``Allow: GET, HEAD`` and
  the JSON error body, never Django's CSRF page (see ``read_only``).
- Every 200 carries a strong ETag, a hash of the exact body, and
  ``If-None-Match`` with it gets a 304. The hash sees everything, including
  a renamed tag, which does not touch the brief's own timestamps; that is
  also why there is no Last-Modified.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import posixpath
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from briefs.caching import conditional
from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief, Tag
from briefs.openapi import openapi_document

PAGE_SIZE = 20
LIST_PARAMETERS = frozenset({"page", "tag", "updated_since"})


class ParameterError(Exception):
    """A query parameter the API cannot use; becomes a 400 naming it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def error_body(message: str, parameter: str | None = None) -> dict[str, Any]:
    return {"error": {"parameter": parameter, "message": message}}


def json_response(
    request: HttpRequest, data: Any, *, status: int = 200
) -> HttpResponse:
    """``data`` as JSON; a 200 gets a strong ETag and honours If-None-Match."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    # Readers must see a brief go live (or be withdrawn) at once, so caches
    # revalidate every time; the ETag makes that cheap.
    patch_cache_control(response, no_cache=True)
    if status != 200:
        return response
    return conditional(request, response)


ALLOWED_METHODS = ("GET", "HEAD")


def read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` for GET and HEAD; any other method is a JSON 405.

    Exempt from CSRF, so a POST gets the 405 the OpenAPI document promises
    rather than Django's HTML 403. That is safe because the method is
    checked first and nothing else runs: CSRF guards against a request that
    changes something with a reader's cookies, and no method changes
    anything here. Never wrap a view that writes in this.
    """

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            body = error_body(f"Only {' and '.join(ALLOWED_METHODS)} are allowed.")
            response = json_response(request, body, status=405)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def public_source_path(path: str) -> str:
    """``path`` as readers may see it: relative to the project, or the file name.

    The importer records a file inside the project relative to it and any
    other by its absolute path, which would tell readers how the server is
    laid out. Judged on the text alone, with no file system access: a
    relative path that climbs out with ``..`` counts as outside.
    """
    project = PurePosixPath(str(settings.BASE_DIR))
    full = PurePosixPath(posixpath.normpath(posixpath.join(project, path)))
    try:
        return full.relative_to(project).as_posix()
    except ValueError:
        return full.name


def api_brief(request: HttpRequest, brief: Brief) -> dict[str, Any]:
    """One brief as the API shows it: the export format plus ``url`` and
    ``updated_at``, with ``source.path`` cut down by ``public_source_path``."""
    data = brief_to_dict(brief)
    if data["source"] is not None:
        source = data["source"]
        data["source"] = {**source, "path": public_source_path(source["path"])}
    return {
        **data,
        "url": request.build_absolute_uri(brief.get_absolute_url()),
        "updated_at": brief.changed_at.isoformat(),
    }


def public_briefs() -> QuerySet[Brief]:
    """Published briefs with what the export shows, and ``changed_at``.

    ``with_outline()`` brings the corrections with the rest, so the record of
    change costs one query for the whole page.
    """
    return (
        Brief.objects.published()
        .with_outline()
        # Coalesce: on SQLite GREATEST is NULL when any argument is, and
        # revised_at is NULL until a first update or correction.
        .annotate(
            changed_at=Greatest(
                "updated_at", "published_at", Coalesce("revised_at", "published_at")
            )
        )
    )


def single(request: HttpRequest, name: str) -> str | None:
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise ParameterError(name, f"Give {name} once, not {len(values)} times.")
    return values[0] if values else None


def parse_updated_since(value: str) -> dt.datetime:
    """A UTC date-time from ISO 8601 text; a date is midnight, naive is UTC.

    Raises ParameterError for anything ``fromisoformat`` cannot read (an
    offset of ±24:00 or more included) and for a moment whose UTC time falls
    outside years 1 to 9999. Always UTC: PostgreSQL refuses offsets past
    ±15:59, which Python reads.
    """
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        message = (
            "Expected an ISO 8601 date or date-time, such as 2025-03-14 or "
            "2025-03-14T09:30:00Z."
        )
        if " " in value.strip():
            # A "+02:00" offset arrives as " 02:00" unless the client encodes it.
            message += " Encode a + in an offset as %2B."
        raise ParameterError("updated_since", message) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise ParameterError(
            "updated_since",
            "Out of range: in UTC it falls before year 1 or after 9999.",
        ) from None


def page_url(request: HttpRequest, number: int) -> str:
    """This listing's absolute address at page ``number``, other filters kept."""
    query = request.GET.copy()
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = str(number)
    path = request.path
    return request.build_absolute_uri(f"{path}?{query.urlencode()}" if query else path)


def listing(request: HttpRequest) -> dict[str, Any]:
    """The page of published briefs the query asks for. Raises ParameterError."""
    for name in request.GET:
        if name not in LIST_PARAMETERS:
            allowed = ", ".join(sorted(LIST_PARAMETERS))
            raise ParameterError(name, f"Unknown parameter; this list takes {allowed}.")
    briefs = public_briefs()
    tag = single(request, "tag")
    if tag is not None:
        if not tag:
            raise ParameterError("tag", "Give a tag's slug, such as ?tag=trade.")
        briefs = briefs.tagged(Tag.objects.filter(slug=tag))
    updated_since = single(request, "updated_since")
    if updated_since is not None:
        briefs = briefs.filter(changed_at__gte=parse_updated_since(updated_since))

    number = single(request, "page")
    paginator = Paginator(briefs.order_by("-published_at", "-pk"), PAGE_SIZE)
    if number is not None and not (number.isascii() and number.isdigit()):
        raise ParameterError("page", "Expected a whole number from 1.")
    try:
        page = paginator.page(int(number) if number is not None else 1)
    except InvalidPage:
        raise ParameterError(
            "page", f"No page {number}: there are {paginator.num_pages}."
        ) from None
    return {
        "count": paginator.count,
        "next": page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": (
            page_url(request, page.previous_page_number())
            if page.has_previous()
            else None
        ),
        "results": [api_brief(request, brief) for brief in page.object_list],
    }


@read_only
def brief_list(request: HttpRequest) -> HttpResponse:
    """A page of published briefs; see the module docstring for the parameters."""
    try:
        data = listing(request)
    except ParameterError as error:
        return json_response(
            request, error_body(error.message, error.parameter), status=400
        )
    return json_response(request, data)


@read_only
def brief_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One published brief; a 404 for a draft, a scheduled brief or no brief."""
    if request.GET:
        name = next(iter(request.GET))
        message = "Unknown parameter; a brief takes no parameters."
        return json_response(request, error_body(message, name), status=400)
    brief = public_briefs().filter(slug=slug).first()
    if brief is None:
        return json_response(
            request, error_body("No published brief has this slug."), status=404
        )
    return json_response(request, api_brief(request, brief))


@read_only
def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.1 document describing this API."""
    return json_response(request, openapi_document(page_size=PAGE_SIZE))
