"""Headless Chromium for browser tests: Debian's /usr/bin/chromium, driven by Playwright.

Playwright never downloads a browser here; it launches the system Chromium.
Without it, browser tests are skipped with a clear reason, unless
NEWSROOM_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


def browser_required() -> bool:
    return os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1"


SKIP_REASON = (
    f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium); "
    "set NEWSROOM_REQUIRE_BROWSER=1 to make its absence a failure"
)


def axe_violations(page) -> list[str]:
    """axe-core's violations on ``page`` as it is now, one line per element."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {node['target']}"
        for v in violations
        for node in v["nodes"]
    ]
