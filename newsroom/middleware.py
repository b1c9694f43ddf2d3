"""Security headers Django's SecurityMiddleware does not set itself, and the
refusal of addresses no page can use."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from briefs.api import error_body, json_response

# No inline script anywhere: scripts come only from this site's own files.
# Reader pages need no inline style either; the admin's templates use style
# attributes, so its policy allows those (styles only, never scripts).
_BASE = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
READER_POLICY = f"{_BASE}; style-src 'self'"
ADMIN_POLICY = f"{_BASE}; style-src 'self' 'unsafe-inline'"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.NEWSROOM_ADMIN_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (
            ADMIN_POLICY
            if request.path.startswith(self.admin_prefix)
            else READER_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Where the API's addresses start: its errors have a JSON body (briefs/api.py).
API_PREFIX = "/api/"


def wire_bytes(text: str) -> bytes:
    """A WSGI environ string as the bytes the client sent.

    WSGI carries them as ISO-8859-1 text; text that is not (an ASGI server
    decodes first) is encoded back as UTF-8, lone surrogates kept so that
    they fail to decode again.
    """
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogatepass")


def unreadable(raw: bytes) -> bool:
    """Whether percent-decoded ``raw`` has a NUL byte or is not strict UTF-8."""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded:
        return True
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def unreadable_parameter(query_string: str) -> tuple[bool, str | None]:
    """(refuse?, the parameter at fault) for a raw query string.

    The parameter is named when its own name is readable, so the API's
    error can say ``tag`` for ``?tag=%00``; otherwise it is None.
    """
    for pair in wire_bytes(query_string).split(b"&"):
        if unreadable(pair):
            name = pair.split(b"=", 1)[0]
            return True, None if unreadable(name) else unquote_to_bytes(name).decode()
    return False, None


class RefuseUnreadableInputMiddleware:
    """A 404 for a path, and a 400 for a query string, with a NUL byte or text
    that is not UTF-8, before the page cache, sessions or any view.

    PostgreSQL cannot take a NUL in text at all: a slug, a tag or a search
    term with one was a 500 wherever it reached a query. No address or
    parameter of this site has one, so refusing here, once, covers every
    route, the admin's too. A query string that is not UTF-8 would reach the
    views with U+FFFD in place of its bytes; it is refused rather than
    answered for something the client did not send.

    A path that is not UTF-8 needs nothing here: Django percent-encodes the
    broken bytes again (RFC 3987), so ``/briefs/%ED%A0%80/`` reaches the
    views as that plain ASCII text and names no page.

    A cookie with a NUL (a quoted cookie may spell one ``\\000``) is dropped
    instead, as Django treats any session key it cannot use: the reader
    is simply not logged in. Refusing would punish a browser for a cookie
    it may not have chosen.

    Answers are plain text, or the API's JSON error body under /api/.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = refusal_of(request)
        return self.get_response(request) if refused is None else refused


def refusal_of(request: HttpRequest) -> HttpResponse | None:
    """The answer to input no page can use (see RefuseUnreadableInputMiddleware),
    or None; cookies with a NUL are dropped from ``request.COOKIES`` either way."""
    if "\x00" in request.path_info:
        return refusal(request, 404, "No page has this address.")
    query_string = request.META.get("QUERY_STRING", "")
    if query_string:
        refused, parameter = unreadable_parameter(query_string)
        if refused:
            message = "The query string has a NUL byte or is not UTF-8."
            return refusal(request, 400, message, parameter=parameter)
    cookies = request.COOKIES
    for name, value in list(cookies.items()):
        if "\x00" in name or "\x00" in value:
            del cookies[name]
    return None


def refusal(
    request: HttpRequest, status: int, message: str, *, parameter: str | None = None
) -> HttpResponse:
    """A short plain-text answer; under /api/, the API's own JSON error."""
    if request.path_info.startswith(API_PREFIX):
        return json_response(request, error_body(message, parameter), status=status)
    response = HttpResponse(
        f"{message}\n", status=status, content_type="text/plain; charset=utf-8"
    )
    # Not a page: never stored by a shared cache under a hostile address.
    response["Cache-Control"] = "no-store"
    return response
