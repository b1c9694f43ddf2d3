"""Server-side time of one page in process, the same way for Newsroom's
brief page (``bench_brief_page``) and for its Wagtail peer
(``wagtail_peer/serve.py``, which runs it in the peer's own virtualenv:
the standard library only here)."""

from __future__ import annotations

import time


def time_page(client, path: str, requests: int) -> tuple[list[float], list[float], int]:
    """Seconds for each of ``requests`` GETs of ``path`` with Django's test
    ``client``, after one to warm up (templates compiled, connection open):
    wall-clock and this process's CPU time; and the page's bytes."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    wall, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return wall, cpu, len(response.content)
