"""make lighthouse: Lighthouse's four scores for the reader pages, mobile and desktop.

The site runs as in production (gunicorn, DEBUG off, whitenoise's hashed and
compressed static files) on loopback, against a throw-away database with the
seeds imported and the seed brief credited to two authors, so every page type
shows what readers see. Lighthouse 12 (installed by ``make lighthouse`` with
npm into ``.lighthouse/``) drives Debian's Chromium (``CHROME_PATH``, default
/usr/bin/chromium). Prints one line a page and form factor; exits non-zero
when a score is under 100 (search is ``noindex`` by design, so its SEO score
is printed and not held to 100).

Usage: python benchmarks/lighthouse.py [LIGHTHOUSE]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serving import (  # noqa: E402
    ROOT,
    collect_static,
    gunicorn,
    prepare_database,
    production_env,
    run_python,
)

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

_AUTHORS = """
from briefs.models import Author, Brief, BriefAuthor
brief = Brief.objects.get(pk={pk})
for position, (name, role) in enumerate(
    [("Ayesha Khan", "Senior Fellow, Asia Programme"), ("Zhou Wei", "Research Analyst")]
):
    author = Author.objects.create(name=name, role=role, bio=f"{{name}} writes on diplomacy.")
    BriefAuthor.objects.create(brief=brief, author=author, position=position)
print(Author.objects.first().slug)
"""


def scores(lighthouse: str, url: str, *, desktop: bool, workdir: Path) -> dict:
    report = workdir / "report.json"
    command = [
        lighthouse,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if desktop:
        command.append("--preset=desktop")
    env = {
        **os.environ,
        "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
    }
    subprocess.run(command, check=True, env=env, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    found = {key: data["categories"][key]["score"] for key in CATEGORIES}
    failing = [
        audit["id"]
        for audit in data["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric")
    ]
    return {"scores": found, "failing": failing}


def main(lighthouse: str) -> int:
    with tempfile.TemporaryDirectory(prefix="newsroom-lighthouse-") as folder:
        workdir = Path(folder)
        env = production_env(workdir, DJANGO_SECURE_HSTS_SECONDS="0")
        site = prepare_database(env)
        collect_static(env)
        author = run_python(env, _AUTHORS.format(pk=site["brief_pk"])).split()[-1]
        pages = {
            "home": "/",
            "brief": f"/briefs/{site['brief_slug']}/",
            "tag index": "/tags/",
            "tag": f"/tags/{site['tag_slug']}/",
            "authors": "/authors/",
            "author": f"/authors/{author}/",
            "search": "/search/?q=trade",
        }
        all_full = True
        with gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as server:
            print(
                f"{'page':<10} {'form':<8} " + " ".join(f"{c:>14}" for c in CATEGORIES)
            )
            for name, path in pages.items():
                for desktop in (False, True):
                    found = scores(
                        lighthouse,
                        server.base_url + path,
                        desktop=desktop,
                        workdir=workdir,
                    )
                    values = found["scores"]
                    print(
                        f"{name:<10} {'desktop' if desktop else 'mobile':<8} "
                        + " ".join(f"{round(values[c] * 100):>14}" for c in CATEGORIES)
                        + (
                            f"  (below 1: {', '.join(found['failing'])})"
                            if found["failing"]
                            else ""
                        )
                    )
                    held = [
                        c for c in CATEGORIES if not (name == "search" and c == "seo")
                    ]
                    all_full &= all(values[c] == 1 for c in held)
        return 0 if all_full else 1


if __name__ == "__main__":
    default = str(ROOT / ".lighthouse" / "node_modules" / ".bin" / "lighthouse")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
