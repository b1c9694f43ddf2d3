"""Newsroom under gunicorn on loopback, as in production, for benchmarks and load tests.

No Django import here: the site runs in subprocesses that read their settings
from the environment, exactly as ``make serve`` does, against a throw-away
database and static folder. Everything is bounded: every wait has a time
limit, every load loop a request count and a deadline, and only 127.0.0.1 is
ever contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"

# Variables of the calling shell (or of pytest-django) that must not leak into
# the site: it gets exactly the settings production_env() writes.
_DROPPED_PREFIXES = ("DJANGO_", "NEWSROOM_", "GUNICORN_")
_DROPPED = {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "PORT"}


def production_env(
    workdir: Path, *, database_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a production site whose files all live in ``workdir``.

    DEBUG off, a fresh secret key, only 127.0.0.1 allowed, plain HTTP (no SSL
    redirect: there is no proxy in front), SQLite in ``workdir`` unless
    ``database_url`` is given, static files collected into ``workdir/static``,
    no Redis. ``extra`` adds or overrides variables (REDIS_URL, for one).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url or f"sqlite:///{workdir / 'site.sqlite3'}",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run_python(env: dict[str, str], code: str, *, timeout: float = 300) -> str:
    """Run ``code`` with Django set up in a subprocess; returns its stdout.

    Raises CalledProcessError (with the output) when the code fails.
    """
    script = "import django\ndjango.setup()\n" + code
    result = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, "python -c …", result.stdout, result.stderr
        )
    return result.stdout


_PREPARE = """
import io, json
from django.core.management import call_command
from briefs.models import Brief, Tag, TaggedBrief

call_command("migrate", verbosity=0, interactive=False)
call_command("import_seeds", stdout=io.StringIO())
editor = {editor!r}
if editor:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    user = get_user_model().objects.create_user(
        editor[0], password=editor[1], is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
brief = Brief.objects.published().order_by("pk").first()
tag = (
    Tag.objects.filter(brief_items__content_object=brief)
    .order_by("-pk").first()
)
print(json.dumps({{
    "brief_pk": brief.pk,
    "brief_slug": brief.slug,
    "brief_title": brief.title,
    "tag_slug": tag.slug if tag else None,
}}))
"""


def prepare_database(
    env: dict[str, str], *, editor: tuple[str, str] | None = None
) -> dict:
    """Migrate, import the seeds and optionally add a staff user in the Editors group.

    Returns what the caller needs to address the seed brief:
    ``brief_pk``, ``brief_slug``, ``brief_title`` and one of its ``tag_slug``.
    """
    out = run_python(env, _PREPARE.format(editor=editor))
    return json.loads(out.strip().splitlines()[-1])


_COLLECT = """
import io
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

extra = {extra!r}
dirs = [*settings.STATICFILES_DIRS, *extra]
with override_settings(STATICFILES_DIRS=dirs):
    call_command("collectstatic", interactive=False, verbosity=0)
"""


def collect_static(env: dict[str, str], *, extra_dirs: Sequence[Path] = ()) -> dict:
    """collectstatic into the env's DJANGO_STATIC_ROOT; returns its manifest paths.

    ``extra_dirs`` are collected beside the project's own static folder (only
    for this run: the project's settings stay as they are), so a benchmark can
    serve a file of its own through the real, hashed, compressed storage.
    """
    run_python(env, _COLLECT.format(extra=[str(d) for d in extra_dirs]))
    manifest = Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["paths"]


REDIS_URL = os.environ.get("NEWSROOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_reachable(url: str = REDIS_URL) -> bool:
    """Whether a Redis server answers PING at ``url`` (loopback only) within 2 s."""
    parts = urlsplit(url)
    if parts.hostname not in {HOST, "localhost"}:
        return False
    try:
        with socket.create_connection((HOST, parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int,
    log_path: Path,
    ready_timeout: float = 30,
    **extra_env: str,
) -> Iterator[Server]:
    """Run gunicorn with newsroom/gunicorn.conf.py on a free loopback port.

    Yields once /healthz answers 200; stops the server (SIGTERM, then SIGKILL
    after 10 s) on the way out. Raises RuntimeError, with the server's log,
    if it exits or is not ready within ``ready_timeout`` seconds.
    """
    port = free_port()
    server_env = {
        **env,
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(workers),
        # Its "Listening at" line tells this server from another on the port.
        "GUNICORN_LOG_LEVEL": "info",
        **extra_env,
    }
    log = log_path.open("ab")
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py"],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(port=port, process=process, log_path=log_path)
    listening = f"Listening at: http://{HOST}:{port} ({process.pid})"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {process.returncode}:\n{server.log()}"
                )
            # Its own master's line, not merely an answer: another process
            # may have taken the port between free_port() and the bind.
            with contextlib.suppress(OSError):
                if (
                    fetch(port, "/healthz", timeout=2).status == 200
                    and listening in server.log()
                ):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn not ready in {ready_timeout} s:\n{server.log()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # Its own session: this reaches the master and its workers only.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


# HTTP -------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    connection: http.client.HTTPConnection | None = None,
) -> Response:
    """One request to 127.0.0.1:``port``; on ``connection`` if given, else a new one."""
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        if connection is None:
            conn.close()


# Load -------------------------------------------------------------------


@dataclass
class LoadResult:
    """What one load run saw. Latencies are in seconds."""

    tool: str
    requests: int
    elapsed: float
    p50: float
    p99: float
    statuses: Counter = field(default_factory=Counter)  # status (or class) -> count
    failures: Counter = field(default_factory=Counter)  # connection errors by name

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


def percentile(ordered: Sequence[float], p: float) -> float:
    """The ``p``th percentile (nearest rank) of sorted values; NaN when empty."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def python_load(
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    max_requests: int = 200_000,
) -> LoadResult:
    """GET ``path`` from ``connections`` threads, each on its own keep-alive connection.

    Stops after ``duration`` seconds or ``max_requests`` requests, whichever
    comes first. A connection the server closes (gunicorn's sync workers close
    after every response) is reopened, as any HTTP client does.
    """
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    failures: Counter = Counter()
    sent = 0
    deadline = time.monotonic() + duration

    def worker() -> None:
        nonlocal sent
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        seen: Counter = Counter()
        failed: Counter = Counter()
        while time.monotonic() < deadline:
            with lock:
                if sent >= max_requests:
                    break
                sent += 1
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                failed[type(error).__name__] += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - start)
            seen[response.status] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            failures.update(failed)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return LoadResult(
        tool="python",
        requests=len(latencies),
        elapsed=elapsed,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
        statuses=statuses,
        failures=failures,
    )


WRK = shutil.which("wrk")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk_seconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def wrk_load(port: int, path: str, *, connections: int, duration: float) -> LoadResult:
    """The same measurement with wrk (one thread), read from its --latency report.

    wrk counts statuses only as "2xx/3xx" and "other"; socket errors
    (connect, read, write, timeout) land in ``failures``.
    """
    out = subprocess.run(
        [
            WRK,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--latency",
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    requests, elapsed = re.search(r"(\d+) requests in ([\d.]+\w+),", out).groups()
    # "  99%  12.34ms", or "  99.000%" in wrk2's form, trailing blanks allowed.
    percentiles = dict(
        re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.MULTILINE)
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(non_2xx.group(1)) if non_2xx else 0
    failures: Counter = Counter()
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        for name, n in re.findall(r"(\w+) (\d+)", errors.group(1)):
            if int(n):
                failures[name] += int(n)
    return LoadResult(
        tool="wrk",
        requests=int(requests),
        elapsed=_wrk_seconds(elapsed),
        p50=_wrk_seconds(percentiles["50"]),
        p99=_wrk_seconds(percentiles["99"]),
        statuses=Counter({"2xx/3xx": int(requests) - bad, "other": bad}),
        failures=failures,
    )


def load(
    port: int, path: str, *, connections: int, duration: float, use_wrk: bool = True
) -> LoadResult:
    """Load ``path`` with wrk when it is installed (and wanted), else python_load()."""
    if use_wrk and WRK:
        return wrk_load(port, path, connections=connections, duration=duration)
    return python_load(port, path, connections=connections, duration=duration)
