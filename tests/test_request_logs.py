"""Request logs are JSON lines a machine can parse."""

import json
import logging

import pytest

from newsroom.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def test_each_request_is_logged_with_its_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="newsroom.requests"):
        client.get("/tags/?kind=place", HTTP_USER_AGENT="probe/1.0")
    (record,) = [r for r in caplog.records if r.name == "newsroom.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "GET"
    assert line["path"] == "/tags/"
    assert line["query"] == "kind=place"
    assert line["status"] == 200
    assert line["bytes"] > 0
    assert line["duration_ms"] >= 0
    assert line["user_agent"] == "probe/1.0"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_hostile_values_stay_valid_json():
    record = logging.makeLogRecord(
        {
            "name": "x",
            "msg": 'quote " and newline \n',
            "levelname": "INFO",
            "path": '/"\n<',
        }
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["path"] == '/"\n<'


def test_behind_a_trusted_proxy_the_log_names_the_client_too(client, caplog, settings):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.INFO, logger="newsroom.requests"):
        client.get(
            "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5"
        )
    (record,) = [r for r in caplog.records if r.name == "newsroom.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["remote_addr"] == "10.0.0.1"
    assert line["client_addr"] == "203.0.113.5"
