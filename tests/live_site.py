"""A production-style site seen from outside, for tests/test_load.py and tests/test_faults.py.

Forms read and posted as a browser does (cookies, CSRF, the admin's login),
and a throw-away PostgreSQL database on the local server.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from benchmarks.serving import (
    Response,
    fetch,
    prepare_database,
    production_env,
    run_python,
)

POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSROOM_LOAD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def required() -> bool:
    """CI sets this: a missing service is then a failure, not a skip."""
    return os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1"


# The staff user in the Editors group every seeded site has.
EDITOR = ("site-editor", "Site-test-" + secrets.token_urlsafe(12))


def _postgres_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {urlsplit(POSTGRES_ADMIN_URL).netloc} is unreachable: {error}"
        if required():
            pytest.fail(reason)
        pytest.skip(reason)


def _postgres_url(name: str) -> str:
    return urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl()


_SEED_HISTORY = """
import json
from reversion.models import Version
from briefs.models import Brief
brief = Brief.objects.get(pk={pk})
print(json.dumps({{
    "version": brief.version,
    "revisions": Version.objects.get_for_object(brief).count(),
}}))
"""


class SeededDatabases:
    """Databases with the seeds imported and an editor (``seed["editor"]``:
    username and password) in the Editors group, as
    copies of one made once per kind and run (migrate and import_seeds take
    seconds): a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for
    PostgreSQL. ``folder`` is shared by the run's pytest-xdist workers: the
    first to need a kind makes it, under a lock, and the others read what it
    wrote there. The run's end drops the PostgreSQL one (``drop``).

    ``seed["version"]`` and ``seed["revisions"]`` are the seed brief's
    version and number of revisions in every fresh copy: read once from the
    template, as each read starts Django anew in a subprocess."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: dict[str, tuple[str, dict]] = {}

    def _template(self, kind: str) -> tuple[str, dict]:
        if kind not in self.made:
            record = self.folder / f"seeded-{kind}.json"
            with (self.folder / f"seeded-{kind}.lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not record.exists():
                    record.write_text(json.dumps(self._make(kind)))
            url, seed = json.loads(record.read_text())
            self.made[kind] = (url, seed)
        return self.made[kind]

    def _make(self, kind: str) -> tuple[str, dict]:
        if kind == "sqlite":
            url = f"sqlite:///{self.folder / 'seeded.sqlite3'}"
        else:
            name = f"newsroom_template_{secrets.token_hex(4)}"
            with _postgres_admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = _postgres_url(name)
        env = production_env(self.folder, database_url=url)
        seed = prepare_database(env, editor=EDITOR)
        out = run_python(env, _SEED_HISTORY.format(pk=seed["brief_pk"]))
        history = json.loads(out.strip().splitlines()[-1])
        # The password is this process's own: other workers read it from here.
        return url, {**seed, **history, "editor": list(EDITOR)}

    def copy(self, kind: str, folder: Path) -> Iterator[tuple[str, dict]]:
        """Yields (database URL, the seed brief's details); dropped afterwards."""
        template, seed = self._template(kind)
        if kind == "sqlite":
            path = folder / "site.sqlite3"
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            yield f"sqlite:///{path}", seed
            return
        name = f"newsroom_site_{secrets.token_hex(4)}"
        with _postgres_admin() as admin:
            admin.execute(
                f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[-1]}"'
            )
            try:
                yield _postgres_url(name), seed
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        """Drop the PostgreSQL template this run made, if it made one."""
        record = self.folder / "seeded-postgresql.json"
        if record.exists():
            name = json.loads(record.read_text())[0].rsplit("/", 1)[-1]
            with _postgres_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FormParser(HTMLParser):
    """Each form's successful controls, in document order: (name, value) pairs.

    As a browser submits them: unchecked boxes, disabled controls and submit
    buttons are left out; a textarea loses the newline right after its start
    tag; a select sends its selected options, or its first when none is.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.fields: list[tuple[str, str]] | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.fields = self.forms.setdefault(
                a.get("id") or f"form{len(self.forms)}", []
            )
        if self.fields is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append(
                (name, a.get("value") or ("on" if kind == "checkbox" else ""))
            )
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        if self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.fields.append((name, text))
            self.textarea = None
        elif tag == "option" and self.option is not None:
            value, selected, text = self.option
            self.select[1].append((text.strip() if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and options:
                chosen = [options[0][0]]
            self.fields += [(name, value) for value in chosen]
            self.select = None


def form_fields(html: str, *, containing: str) -> list[tuple[str, str]]:
    """The fields of the page's form that has a control named ``containing``."""
    parser = FormParser()
    parser.feed(html)
    for fields in parser.forms.values():
        if any(name == containing for name, _ in fields):
            return fields
    raise AssertionError(f"No form with a {containing!r} field")


# Clients ------------------------------------------------------------------


class Browser:
    """Cookies and CSRF the way a browser handles them, over plain HTTP to loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data=None) -> Response:
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = fetch(
            self.port, path, method=method, body=body, headers=headers, timeout=30
        )
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def login(self, username: str, password: str) -> None:
        page = self.request("GET", "/admin/login/?next=/admin/")
        assert page.status == 200, page.status
        token = dict(form_fields(page.text, containing="username"))[
            "csrfmiddlewaretoken"
        ]
        response = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            [
                ("csrfmiddlewaretoken", token),
                ("username", username),
                ("password", password),
                ("next", "/admin/"),
            ],
        )
        assert response.status == 302, (response.status, response.text[:2000])
        assert "sessionid" in self.cookies
