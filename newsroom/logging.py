"""Logs a machine can parse: one JSON object per line, and one line per record.

A request's path, query and user agent are the client's to choose, so no
formatter writes them raw: a line break in them (``\n``, but also U+0085,
U+2028 and the rest that ``str.splitlines()`` honours) could otherwise start
a forged record, and an escape sequence could drive the terminal reading the
log.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import textwrap
import time
import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from newsroom.proxies import client_address

# Attributes every LogRecord has; anything else was passed in ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

request_logger = logging.getLogger("newsroom.requests")

# Control characters (C0, DEL and C1: every line break but two) and the line
# and paragraph separators, each written as Python writes it: \n, \x85, \u2028.
_VISIBLE = {
    ord(char): ascii(char)[1:-1]
    for char in map(chr, [*range(0xA0), 0x2028, 0x2029])
    if unicodedata.category(char) in {"Cc", "Zl", "Zp"}
}


def one_line(text: str) -> str:
    """``text`` with every line break and control character made a visible escape.

    The result is one line under ``str.splitlines()`` and holds no terminal
    control. Backslashes are left as they are, for readable paths: a client
    can type a literal ``\\n`` that reads like an escaped line break, but
    nothing it sends can end the line.
    """
    return text.translate(_VISIBLE)


# ASCII only: JSON escapes C0 controls itself but would write U+0085, U+2028
# and U+2029 raw, and each of those ends a line for some readers. One encoder
# for every line (json.dumps would build one a call, with ``default``).
_encode = json.JSONEncoder(default=str, ensure_ascii=True).encode


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON, with its ``extra`` fields as keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry)


def utc_time(timestamp: float) -> str:
    """``timestamp`` in ISO 8601, UTC, to the millisecond (``…T10:02:23.693+00:00``),
    as ``datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")``
    writes it: microseconds rounded half to even, then cut to milliseconds."""
    fraction, seconds = math.modf(timestamp)
    micro = round(fraction * 1_000_000)
    if micro < 0:
        seconds, micro = seconds - 1, micro + 1_000_000
    elif micro >= 1_000_000:
        seconds, micro = seconds + 1, micro - 1_000_000
    return f"{_utc_second(int(seconds))}.{micro // 1000:03d}+00:00"


# Every line of one second shares this; a log line is written on every request.
@functools.lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


class PlainFormatter(logging.Formatter):
    """A readable line per record, for development: ``INFO name: message``.

    The line is escaped with :func:`one_line`. A traceback or stack follows it
    indented, so no text inside one can stand at the margin as a record does.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        details = []
        if record.exc_info:
            details.append(self.formatException(record.exc_info))
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))
        return "\n".join(
            [
                one_line(self.formatMessage(record)),
                *(textwrap.indent(text, "    ", lambda line: True) for text in details),
            ]
        )


class RequestLogMiddleware:
    """One structured log record per request: method, path, status, size, time, client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        log_request(request, response, start)
        return response


def log_request(request: HttpRequest, response: HttpResponse, start: float) -> None:
    """Write ``request``'s record, answered with ``response``, begun at
    ``start`` (``time.perf_counter``): RequestLogMiddleware's line, which the
    page cache's WSGI entry (briefs.caching.serving) writes for its hits."""
    duration_ms = round((time.perf_counter() - start) * 1000, 2)
    size = None if response.streaming else len(response.content)
    meta = request.META
    request_logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "query": meta.get("QUERY_STRING", ""),
            "status": response.status_code,
            "bytes": size,
            "duration_ms": duration_ms,
            "remote_addr": meta.get("REMOTE_ADDR", ""),
            # The same behind no trusted proxy; the reader's own behind one.
            "client_addr": client_address(request),
            "user_agent": meta.get("HTTP_USER_AGENT", ""),
        },
    )
