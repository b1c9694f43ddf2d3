"""The Wagtail peer of ``benchmarks/bench_brief_page.py``: the seed brief as
a page of a minimal Wagtail site, timed as Newsroom's page is.

Run with the peer's own Python (``.wagtail-peer``, made by ``make bench``
from ``requirements.txt``): ``serve.py CONTENT.json``. It migrates a
throw-away SQLite database, adds the brief (its title, dateline, summary,
source, key points, sections with their HTML and tags, and its own tags) as
a child of the home page, publishes it and prints ``ready``. Then it
answers each line read from standard input with one line: ``time N``
requests the page N times with Django's test client and prints the median
wall-clock and CPU seconds and the page's bytes as JSON; ``pages N`` adds
copies of the brief as sibling pages until the site holds N briefs, and
prints ``ok``. The caller alternates these rounds with its own, so both
sites are measured over the same minutes and with as many briefs.
"""

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.timing import time_page  # noqa: E402


def main(content_path: str) -> None:
    content = json.loads(Path(content_path).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="newsroom-wagtail-peer-") as workdir:
        os.environ["DJANGO_SETTINGS_MODULE"] = "peer.settings"
        os.environ["PEER_DATABASE"] = str(Path(workdir) / "peer.sqlite3")
        os.environ["PEER_STATIC_ROOT"] = str(Path(workdir) / "static")
        sys.path.insert(0, str(HERE))
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        path = add_brief(content)
        client = Client()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        print("ready", flush=True)
        for line in sys.stdin:
            command, number = line.split()
            if command == "pages":
                add_copies(content, int(number))
                print("ok", flush=True)
                continue
            wall, cpu, size = time_page(client, path, int(number))
            result = {
                "wall": statistics.median(wall),
                "cpu": statistics.median(cpu),
                "bytes": size,
            }
            print(json.dumps(result), flush=True)


def add_brief(content: dict) -> str:
    """The brief as a published child of the home page; its path."""
    page = brief_page(content, title=content["title"], slug=content["slug"])
    home_page().add_child(instance=page)
    page.tags.add(*content["tags"])
    page.save_revision().publish()
    return page.url


def add_copies(content: dict, total: int) -> None:
    """Live copies of the brief beside it, until there are ``total`` briefs."""
    from peer.models import BriefPage

    for n in range(BriefPage.objects.count(), total):
        page = brief_page(
            content, title=f"{content['title']} ({n})", slug=f"{content['slug']}-{n}"
        )
        home_page().add_child(instance=page)
        page.tags.add(*content["tags"])
        page.save()


def home_page():
    from wagtail.models import Page

    return Page.objects.get(depth=2)


def brief_page(content: dict, *, title: str, slug: str):
    from peer.models import BriefPage
    from wagtail.rich_text import RichText

    return BriefPage(
        title=title,
        slug=slug,
        dateline=content["dateline"],
        summary=content["summary"],
        source_name=content["source_name"],
        key_points=[("point", text) for text in content["key_points"]],
        body=[
            (
                "section",
                {
                    "heading": section["heading"],
                    "anchor": section["anchor"],
                    "body": RichText(section["body_html"]),
                    "tags": section["tags"],
                },
            )
            for section in content["sections"]
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1])
