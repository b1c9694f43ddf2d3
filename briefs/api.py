"""The read-only JSON API: published briefs in the export format.

``/api/briefs/`` lists published briefs newest first, a page at a time;
``/api/briefs/<slug>/`` is one brief. Both start from
``Brief.objects.published()``, so a draft or a scheduled brief is exactly as
absent here as a slug that never existed. Built on django-ninja: the pydantic
models below (and the export format's, ``briefs.ingest.exporting``) both
shape the answers and generate the OpenAPI document at ``/api/openapi.json``.

- Each brief is the export format plus two keys: ``url``, the brief's
  absolute public address, and ``updated_at``, the latest of its last save,
  its publication time (so a scheduled brief that has just gone live counts
  as updated when readers first see it) and its latest update or correction
  (recorded without a save of the brief itself, so it must be counted on its
  own). The export's ``version`` and ``corrections`` carry the readers'
  record of change.
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
  ``If-None-Match`` with it gets a 304 (``briefs.caching.conditional``). The
  hash sees everything, including a renamed tag, which does not touch the
  brief's own timestamps; that is also why there is no Last-Modified.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import posixpath
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Query, Status
from ninja.errors import ValidationError
from ninja.renderers import JSONRenderer
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from briefs import models, tag_counts
from briefs.caching import conditional
from briefs.ingest.exporting import DateTime, ExportedBrief, Shape, Source

PAGE_SIZE = 20
ALLOWED_METHODS = ("GET", "HEAD")


class ParameterError(Exception):
    """A query parameter the API cannot use; becomes a 400 naming it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


# --- What the API answers ------------------------------------------------------


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


class Brief(ExportedBrief):
    """A published brief in the export_briefs format (see the README), plus
    `url` and `updated_at`. Keys may be added, never renamed or repurposed."""

    status: Literal["published"] = Field(
        description="Always `published` here; exports also have draft, review "
        "and archived."
    )
    published_at: DateTime = Field(
        description="ISO 8601 with offset. Never null here; null only in "
        "exports of briefs never published."
    )
    url: str = Field(
        description="The brief's public page, absolute.",
        json_schema_extra={"format": "uri"},
    )
    updated_at: DateTime = Field(
        description="ISO 8601 with offset: the latest of the brief's last save "
        "(minor edits too), its publication time and its latest update or "
        "correction. What `updated_since` compares with."
    )

    @field_validator("source")
    @classmethod
    def _public_path(cls, source: Source | None) -> Source | None:
        if source is None:
            return None
        return Source(path=public_source_path(source.path), sha256=source.sha256)


class BriefPage(Shape):
    count: int = Field(ge=0, description="Briefs matching the filters, on all pages.")
    next: str | None = Field(
        description="Absolute URL of the next page, filters kept; null on the last.",
        json_schema_extra={"format": "uri"},
    )
    previous: str | None = Field(
        description="Absolute URL of the previous page; null on the first.",
        json_schema_extra={"format": "uri"},
    )
    results: list[Brief] = Field(description="Newest published first.")


class ErrorDetail(Shape):
    parameter: str | None = Field(
        description="The query parameter at fault; null when the error is not "
        "about one."
    )
    message: str = Field(description="For people: what was wrong.")


class Error(Shape):
    error: ErrorDetail


def error_body(message: str, parameter: str | None = None) -> dict[str, Any]:
    return Error(error=ErrorDetail(parameter=parameter, message=message)).model_dump()


# --- What the list takes -------------------------------------------------------


def whole_number(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("page", "Expected a whole number from 1.")
    return int(value)


def tag_slug(value: str) -> str:
    if not value:
        raise PydanticCustomError("tag", "Give a tag's slug, such as ?tag=trade.")
    return value


def utc_moment(value: str) -> dt.datetime:
    """A UTC date-time from ISO 8601 text; a date is midnight, naive is UTC.

    Refuses anything ``fromisoformat`` cannot read (an offset of ±24:00 or
    more included) and a moment whose UTC time falls outside years 1 to
    9999. Always UTC: PostgreSQL refuses offsets past ±15:59, which Python
    reads.
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
        raise PydanticCustomError("updated_since", message) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise PydanticCustomError(
            "updated_since",
            "Out of range: in UTC it falls before year 1 or after 9999.",
        ) from None


class ListParameters(BaseModel):
    """The list's query parameters, each at most once; any other is a 400."""

    page: Annotated[int, BeforeValidator(whole_number)] = Field(
        1,
        description=f"From 1; {PAGE_SIZE} briefs a page. A page past the last is "
        "a 400 (page 1 of an empty list is an empty page).",
        json_schema_extra={"minimum": 1},
    )
    tag: Annotated[
        str | None,
        BeforeValidator(tag_slug),
        WithJsonSchema({"type": "string", "minLength": 1}),
    ] = Field(
        None,
        description="A tag's slug: briefs that carry the tag themselves or in any "
        "section. A slug no published brief uses gives an empty list, not an error.",
    )
    updated_since: Annotated[
        dt.datetime | None,
        BeforeValidator(utc_moment),
        WithJsonSchema({"type": "string"}),
    ] = Field(
        None,
        description="ISO 8601 date or date-time: briefs whose `updated_at` is at "
        "or after it, so a brief updated or corrected since is included. A date "
        "is midnight UTC; a date-time without offset is UTC. Encode a `+` offset "
        "as `%2B`. Offsets up to ±23:59; a moment that is before year 1 or after "
        "9999 in UTC is a 400.",
        # One example: ninja copies a schema's "examples" list to the
        # parameter, where OpenAPI wants a map of named examples.
        json_schema_extra={"example": "2025-03-14T11:30:00+02:00"},
    )

    @model_validator(mode="before")
    @classmethod
    def _known_and_once(cls, data: Any, info: ValidationInfo) -> Any:
        # ninja passes the request; its query string still has the names
        # ninja drops (unknown ones) and the values it folds (repeated ones).
        for name, values in info.context["request"].GET.lists():
            if name not in cls.model_fields:
                allowed = ", ".join(cls.model_fields)
                message = f"Unknown parameter; this list takes {allowed}."
                raise ParameterError(name, message)
            if len(values) > 1:
                raise ParameterError(
                    name, f"Give {name} once, not {len(values)} times."
                )
        return data


# --- The API -------------------------------------------------------------------


class CompactJSON(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False, "separators": (",", ":")}


class ReadOnlyAPI(NinjaAPI):
    """Every answer ``Cache-Control: no-cache``; a 200 with a strong ETag."""

    def get_content_type(self) -> str:
        # JSON is UTF-8 by definition (RFC 8259) and takes no charset parameter.
        return self.renderer.media_type

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        # Readers must see a brief go live (or be withdrawn) at once, so caches
        # revalidate every time; the ETag makes that cheap.
        patch_cache_control(response, no_cache=True)
        if response.status_code != 200:
            return response
        return conditional(request, response)


api = ReadOnlyAPI(
    title="Newsroom API",
    version="1.0.0",
    description="Read-only access to published policy briefs, in the "
    "export_briefs format. Drafts and scheduled briefs never appear. Every "
    "parameter problem is a 400 with an Error body (a query string with a NUL "
    "byte or that is not UTF-8 too); every 200 has an ETag that If-None-Match "
    "turns into a 304.",
    renderer=CompactJSON(),
    openapi_url=None,  # served below, as an operation of its own
    # No Swagger UI: ninja's loads nothing from elsewhere and passes the CSP,
    # but fails the accessibility bar public pages meet (tests/test_quality.py).
    docs_url=None,
)


def json_response(
    request: HttpRequest, data: Any, *, status: int = 200
) -> HttpResponse:
    """``data`` as the API answers it (for errors refused before the API)."""
    return api.create_response(request, data, status=status)


@api.exception_handler(ParameterError)
def _bad_parameter(request: HttpRequest, error: ParameterError) -> HttpResponse:
    return json_response(
        request, error_body(error.message, error.parameter), status=400
    )


@api.exception_handler(ValidationError)
def _invalid_parameter(request: HttpRequest, error: ValidationError) -> HttpResponse:
    first = error.errors[0]  # loc is ("query", name)
    return json_response(
        request, error_body(first["msg"], first["loc"][-1]), status=400
    )


ETAG_HEADER = {
    "description": "A strong validator: a hash of the exact body. Send it back in "
    "If-None-Match to get a 304 when nothing has changed.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags from earlier responses (or `*`); a match gets a 304 "
    "with no body.",
    "schema": {"type": "string"},
}


def answers(ok: Any, described: str, errors: dict[int, str]) -> dict[str, Any]:
    """``api.get`` arguments for an operation whose 200 is ``ok`` and whose
    ``errors`` (status: when) have an Error body; with the 304 and the 405
    every operation has, and the headers ninja cannot see (``openapi_extra``)."""
    return {
        "response": {200: ok, 304: None, **dict.fromkeys(errors, Error), 405: Error},
        "openapi_extra": {
            "parameters": [IF_NONE_MATCH],
            "responses": {
                200: {
                    "description": described,
                    "headers": {
                        "ETag": ETAG_HEADER,
                        "Cache-Control": {
                            "description": "Always `no-cache`: revalidate with "
                            "the ETag before reuse.",
                            "schema": {"type": "string"},
                        },
                    },
                },
                304: {
                    "description": "Not modified: If-None-Match matched the "
                    "current ETag. No body.",
                    "headers": {"ETag": ETAG_HEADER},
                },
                **{code: {"description": when} for code, when in errors.items()},
                405: {
                    "description": "Only GET and HEAD are allowed, with or "
                    "without a CSRF token.",
                    "headers": {
                        "Allow": {
                            "description": "Always `GET, HEAD`.",
                            "schema": {"type": "string"},
                        }
                    },
                },
            },
        },
    }


def public_briefs() -> QuerySet[models.Brief]:
    """Published briefs with what the export shows, and ``changed_at``.

    ``with_outline()`` brings the corrections with the rest, so the record of
    change costs one query for the whole page.
    """
    return (
        models.Brief.objects.published()
        .with_outline()
        # Coalesce: on SQLite GREATEST is NULL when any argument is, and
        # revised_at is NULL until a first update or correction.
        .annotate(
            changed_at=Greatest(
                "updated_at", "published_at", Coalesce("revised_at", "published_at")
            )
        )
    )


def api_brief(request: HttpRequest, brief: models.Brief) -> Brief:
    return Brief.from_brief(
        brief,
        url=request.build_absolute_uri(brief.get_absolute_url()),
        updated_at=brief.changed_at,
    )


def page_url(request: HttpRequest, number: int) -> str:
    """This listing's absolute address at page ``number``, other filters kept."""
    query = request.GET.copy()
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = str(number)
    path = request.path
    return request.build_absolute_uri(f"{path}?{query.urlencode()}" if query else path)


BAD_PARAMETER = "A parameter is malformed, unknown or repeated; `parameter` names it."


@api.get(
    "/api/briefs/",
    operation_id="listBriefs",
    summary="Published briefs, newest first, a page at a time",
    url_name="api-briefs",
    **answers(BriefPage, "A page of briefs.", {400: BAD_PARAMETER}),
)
def brief_list(request: HttpRequest, filters: Query[ListParameters]) -> BriefPage:
    briefs = public_briefs()
    if filters.tag is not None:
        # The tag first, in a query of its own: its stored counts choose how
        # its briefs are found (``carrying``), and the database then plans
        # for this tag's own rows rather than for a tag of average size.
        tag = models.Tag.objects.filter(slug=filters.tag).first()
        briefs = briefs.carrying(tag) if tag else briefs.none()
    if filters.updated_since is not None:
        briefs = briefs.filter(changed_at__gte=filters.updated_since)
    paginator = Paginator(briefs.order_by("-published_at", "-pk"), PAGE_SIZE)
    if filters.tag is None and filters.updated_since is None:
        # Every published brief: their number is stored, not counted.
        paginator.count = tag_counts.published_brief_count()
    try:
        page = paginator.page(filters.page)
    except InvalidPage:
        message = f"No page {filters.page}: there are {paginator.num_pages}."
        raise ParameterError("page", message) from None
    return BriefPage(
        count=paginator.count,
        next=page_url(request, page.next_page_number()) if page.has_next() else None,
        previous=(
            page_url(request, page.previous_page_number())
            if page.has_previous()
            else None
        ),
        results=[api_brief(request, brief) for brief in page.object_list],
    )


@api.get(
    "/api/briefs/{slug}/",
    operation_id="getBrief",
    summary="One published brief",
    url_name="api-brief",
    **answers(
        Brief,
        "The brief.",
        {
            400: "This endpoint takes no query parameters.",
            404: "No published brief has this slug: it does not exist, is a "
            "draft, or is scheduled for later.",
        },
    ),
)
def brief_detail(request: HttpRequest, slug: str) -> Brief | Status:
    if request.GET:
        message = "Unknown parameter; a brief takes no parameters."
        raise ParameterError(next(iter(request.GET)), message)
    brief = public_briefs().filter(slug=slug).first()
    if brief is None:
        return Status(404, error_body("No published brief has this slug."))
    return api_brief(request, brief)


@api.get(
    "/api/openapi.json",
    operation_id="getOpenApi",
    summary="This document",
    url_name="api-openapi",
    **answers(
        dict[str, Any],
        "The OpenAPI document.",
        {400: "The query string has a NUL byte or is not UTF-8."},
    ),
)
def openapi(request: HttpRequest) -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="")


# --- Routes --------------------------------------------------------------------


def read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` for GET and HEAD; any other method is a JSON 405.

    Exempt from CSRF, so a POST gets the 405 the OpenAPI document promises
    rather than Django's HTML 403. That is safe because the method is
    checked first and nothing else runs: CSRF guards against a request that
    changes something with a reader's cookies, and no method changes
    anything here. Never wrap a view that writes in this.

    A HEAD is answered as the GET it mirrors (ninja routes a method only to an
    operation that names it, and naming HEAD would document every operation
    twice); the server sends the headers without the body.
    """

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            body = error_body(f"Only {' and '.join(ALLOWED_METHODS)} are allowed.")
            response = json_response(request, body, status=405)
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        if request.method == "HEAD":
            request = copy.copy(request)
            request.method = "GET"
        return view(request, *args, **kwargs)

    return wrapper


# The API's routes, for the app's URLconf, named there ("briefs:api-briefs").
# ninja's own root route ("", which only reverses its prefix) is left out:
# at the site's root it would take the home page's address.
urlpatterns = [
    URLPattern(route.pattern, read_only(route.callback), route.default_args, route.name)
    for route in api.urls[0]
    if route.name != "api-root"
]
