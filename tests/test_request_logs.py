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
