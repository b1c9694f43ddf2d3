"""Local services some tests need (Redis), required in CI and skipped elsewhere."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.browser import browser_required


def redis_or_skip(url: str) -> redis.Redis:
    """A client for the Redis at ``url``, which must answer.

    CI (``NEWSROOM_REQUIRE_BROWSER=1``, where Redis runs) fails the test when
    it does not; elsewhere the test is skipped, saying why.
    """
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {url} ({error})"
        if browser_required():
            pytest.fail(f"{reason}; NEWSROOM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    return client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free loopback port, with its
    snapshot in ``folder``: started, saved, frozen, killed and restarted."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--dir", str(self.folder), "--dbfilename", "dump.rdb"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                # This server, not another that took the port meanwhile.
                if self.client().info("server")["process_id"] == self.process.pid:
                    return
                raise RuntimeError(f"port {self.port} was taken by another Redis")
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def run_id(self) -> str:
        return self.client().info("server")["run_id"]

    def stop(self) -> None:
        """Killed: nothing is saved; the dump on disk is what a restart loads."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
