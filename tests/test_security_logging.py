"""Hostile requests cannot forge log lines: one record is one line, in both formats.

The formatters are the real ones, built from ``settings.LOGGING`` the way
``logging.config`` builds them, and the records come from real requests.
"""

import io
import json
import logging
import logging.config
import sys
from urllib.parse import quote

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

# Every character str.splitlines() ends a line at, found by asking it, so the
# tests follow Python rather than a list someone has to keep up to date.
LINE_BREAKS = [
    char
    for char in map(chr, range(sys.maxunicode + 1))
    if len(f"a{char}b".splitlines()) > 1
]
FORMATS = ["json", "plain"]


def test_the_scan_finds_the_line_breaks_of_the_finding():
    """So the tests below, one per line break, are never vacuous."""
    assert {"\n", "\r", "\x85", "\u2028", "\u2029"} <= set(LINE_BREAKS)
    assert len(LINE_BREAKS) == 10


class CapturedLog:
    """Every record of every logger, formatted as the site's console handler would."""

    def __init__(self, format_name: str) -> None:
        configurator = logging.config.DictConfigurator(settings.LOGGING)
        formatter = configurator.configure_formatter(
            dict(settings.LOGGING["formatters"][format_name])
        )
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)
        self.records: list[logging.LogRecord] = []
        self.handler.addFilter(self._count)

    def _count(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return True

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()


@pytest.fixture
def captured_log():
    """Yield a factory: ``captured_log("json")`` captures from then to the test's end."""
    root = logging.getLogger()
    requests_logger = logging.getLogger("newsroom.requests")
    saved = root.level, requests_logger.level
    captures: list[CapturedLog] = []

    def start(format_name: str) -> CapturedLog:
        capture = CapturedLog(format_name)
        root.addHandler(capture.handler)
        captures.append(capture)
        # As in production: every request is logged at INFO.
        root.setLevel(logging.INFO)
        requests_logger.setLevel(logging.INFO)
        return capture

    yield start
    for capture in captures:
        root.removeHandler(capture.handler)
    root.setLevel(saved[0])
    requests_logger.setLevel(saved[1])


def request_lines(capture: CapturedLog) -> list[str]:
    return [line for line in capture.lines() if "newsroom.requests" in line]


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("char", LINE_BREAKS, ids=lambda char: f"U+{ord(char):04X}")
def test_a_line_break_in_the_path_query_or_user_agent_stays_on_one_line(
    client, captured_log, format_name, char
):
    capture = captured_log(format_name)
    hostile = f"x{char}ERROR django.security: forged"
    response = client.get(
        "/" + quote(hostile) + "/",
        QUERY_STRING="q=" + hostile,
        HTTP_USER_AGENT=hostile,
    )
    # 404, or 400 where the raw query string is not UTF-8 (U+0085 as one byte).
    status = response.status_code
    assert len(capture.lines()) == len(capture.records)
    (line,) = request_lines(capture)
    assert not any(
        other.startswith("ERROR") or '"level": "ERROR"' in other
        for other in capture.lines()
    )
    if format_name == "json":
        entry = json.loads(line)
        # Escaped on the line, exact once parsed.
        assert entry["path"] == f"/{hostile}/"
        assert entry["query"] == f"q={hostile}"
        assert entry["user_agent"] == hostile
        assert entry["message"] == f"GET /{hostile}/ {status}"
    else:
        # Written as Python writes it: \n, \x85, \u2028.
        escaped = ascii(char)[1:-1]
        assert (
            line
            == f"INFO newsroom.requests: GET /x{escaped}ERROR django.security: forged/ {status}"
        )


@pytest.mark.parametrize("format_name", FORMATS)
def test_the_reported_forgery_writes_one_line(client, captured_log, format_name):
    capture = captured_log(format_name)
    client.get("/x%0AERROR django.security: forged", HTTP_USER_AGENT="a\u2028b")
    assert len(request_lines(capture)) == 1
    assert len(capture.lines()) == len(capture.records)


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_extra_value_is_escaped_too(captured_log, format_name):
    """Records other than the request log, with hostile values in ``extra``."""
    capture = captured_log(format_name)
    hostile = "".join(LINE_BREAKS) + "\x1b[2J"
    logging.getLogger("newsroom.anything").warning(
        "value %s", hostile, extra={"detail": hostile, "nested": {"k": hostile}}
    )
    (line,) = capture.lines()
    assert "\x1b" not in line
    if format_name == "json":
        entry = json.loads(line)
        assert entry["detail"] == hostile
        assert entry["nested"] == {"k": hostile}
        assert entry["message"] == f"value {hostile}"


def test_a_traceback_in_the_plain_format_cannot_pass_for_a_record(captured_log):
    """A record's first line is its only line at the margin; its traceback is indented."""
    capture = captured_log("plain")
    try:
        raise ValueError("bad input\nERROR django.security: forged")
    except ValueError:
        logging.getLogger("newsroom.anything").exception("failed\nWARNING x: y")
    first, *rest = capture.lines()
    assert first == r"ERROR newsroom.anything: failed\nWARNING x: y"
    assert rest and all(line.startswith("    ") for line in rest)
    assert any("ERROR django.security: forged" in line for line in rest)


def test_a_traceback_in_the_json_format_is_one_line(captured_log):
    capture = captured_log("json")
    try:
        raise ValueError("bad input\u2028ERROR django.security: forged")
    except ValueError:
        logging.getLogger("newsroom.anything").exception("failed")
    (line,) = capture.lines()
    assert "ERROR django.security: forged" in json.loads(line)["exception"]
