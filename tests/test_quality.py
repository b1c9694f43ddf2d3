"""Quality bars for every public page: accessible, valid HTML, light, first-party only.

Each test walks the same pages, built from the real seed so they carry
realistic text and tags, and reports every problem at once, page by page.
Feeds, the sitemap and the API are not HTML pages and are left out.

- Accessibility: axe-core finds no violations in headless Chromium, with its
  default rules (WCAG 2 A and AA plus best practices).
- Validity: the Nu HTML checker finds no errors (needs Java).
- Weight: a brief page's HTML plus the same-origin CSS and JS it loads stays
  under BRIEF_PAGE_BUDGET bytes, images apart.
- Privacy: no page references or loads anything from another origin.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

from briefs.editorial import versions
from briefs.models import Author, Brief, BriefAuthor, Tag
from tests.browser import browser_required
from tests.nu_checker import nu_service

# 50 KB, counted in thousands: the bar for a brief page without images.
BRIEF_PAGE_BUDGET = 50_000
TEST_HOST = "testserver"


@dataclass(frozen=True)
class PublicPage:
    name: str
    url: str
    status: int = 200


def seed_public_pages() -> list[PublicPage]:
    """Import the seed and return every kind of public HTML page, by name.

    The brief carries an update and a correction, so its page shows the
    whole record of change, and it has versions to list and show.
    """
    call_command("import_seeds", stdout=io.StringIO())
    brief = Brief.objects.published().get()
    versions.record_public_change(
        brief, kind="update", note="Figures for the second quarter were added."
    )
    versions.record_public_change(
        brief,
        kind="correction",
        note="An earlier version misstated the year the corridor opened.",
    )
    # The tag with the most sections shows both halves of a tag page.
    tag = (
        Tag.objects.public().order_by("-section_count", "-brief_count", "name").first()
    )
    assert tag is not None, "the seed should have public tags"
    # Two authors credited, one with every detail an author page shows.
    for position, author in enumerate(
        [
            Author.objects.create(
                name="Ayesha Khan",
                role="Senior Fellow, Asia Programme",
                bio="Ayesha Khan writes on South Asian diplomacy and trade.",
                url="https://example.org/ayesha",
                orcid="0000-0002-1825-0097",
            ),
            Author.objects.create(name="Zhou Wei"),
        ]
    ):
        BriefAuthor.objects.create(brief=brief, author=author, position=position)
    return [
        PublicPage("home", "/"),
        PublicPage("brief", brief.get_absolute_url()),
        PublicPage("versions", f"{brief.get_absolute_url()}versions/"),
        PublicPage("version", f"{brief.get_absolute_url()}versions/1/"),
        PublicPage("tags", "/tags/"),
        PublicPage("tags-place", "/tags/?kind=place"),
        PublicPage("tag", tag.get_absolute_url()),
        PublicPage("authors", "/authors/"),
        PublicPage("author", "/authors/ayesha-khan/"),
        PublicPage("not-found", "/no-such-page/", status=404),
        PublicPage("search-empty", "/search/"),
        PublicPage("search-results", "/search/?q=china"),
        PublicPage("search-no-results", "/search/?q=zzxqvw"),
    ]


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


# --- Valid HTML (Nu checker; no browser) -------------------------------------


def java_or_skip() -> str:
    """Java's path, for the Nu checker; without Java the test is skipped (failed in CI).

    Also starts the checker's service, so that it loads while the test
    renders the pages it will check.
    """
    java = shutil.which("java")
    if java is None:
        reason = "the Nu HTML checker needs Java (apt-get install default-jre-headless)"
        if browser_required():
            pytest.fail(reason + "; NEWSROOM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    nu_service(java)
    return java


# The mark every test that runs the checker wears: with pytest-xdist's
# `--dist loadgroup` all of them go to one worker. Under the default
# distribution, or the work stealing `make test` uses, the workers share the
# run's one service all the same (tests/nu_checker.py).
uses_nu_checker = pytest.mark.xdist_group("nu-checker")


def nu_check(java: str, files: list[Path]) -> list[dict]:
    """The Nu checker's messages for ``files``, in order, as ``vnu.jar --format json``
    gives them: each has ``type`` (error, info, non-document-error), ``url``
    (``file:`` and the file's path), ``message`` and, for most, ``lastLine``
    and ``extract``."""
    service = nu_service(java)
    return [message for path in files for message in service.check(path)]


def nu_errors(java: str, pages: dict[Path, str]) -> list[str]:
    """The Nu checker's errors in ``pages`` (each file with the name a
    failure shows), one line each."""
    files = {str(path): name for path, name in pages.items()}
    return [
        f"{files[message['url'].removeprefix('file:')]} line "
        f"{message.get('lastLine')}: {message['message']}"
        for message in nu_check(java, list(pages))
        if message["type"] == "error"
    ]


@uses_nu_checker
def test_every_public_page_is_valid_html(client, db, tmp_path):
    java = java_or_skip()
    problems: list[str] = []
    pages: dict[str, PublicPage] = {}
    for page in seed_public_pages():
        response = client.get(page.url)
        if response.status_code != page.status:
            problems.append(
                f"{page.name} {page.url}: HTTP {response.status_code}, expected {page.status}"
            )
        (tmp_path / f"{page.name}.html").write_bytes(response.content)
        pages[page.name] = page

    files = [tmp_path / f"{name}.html" for name in pages]
    for message in nu_check(java, files):
        page = pages.get(Path(urlsplit(message.get("url", "")).path).stem)
        where = f"{page.name} {page.url}" if page else message.get("url", "?")
        kind = message.get("subType", message["type"])
        line = message.get("lastLine", "?")
        extract = message.get("extract", "").strip().replace("\n", " ")
        text = f"{where} line {line}: {message['message']} [{extract}]"
        if message["type"] == "error" or kind == "fatal":
            problems.append(text)
        else:
            # Warnings are advice, not invalidity; shown with a failure, for review.
            print(f"Nu {kind}: {text}")

    assert not problems, report(problems)


@uses_nu_checker
def test_the_nu_checker_reports_errors(db, tmp_path):
    """The validity test can fail: an invalid page gives an error we recognise."""
    java = java_or_skip()
    path = tmp_path / "bad.html"
    path.write_text('<!doctype html><html lang="en"><title>x</title><img src="x">')

    messages = nu_check(java, [path])

    assert any(m["type"] == "error" and "alt" in m["message"] for m in messages), (
        messages
    )


# --- Weight and third parties (no browser) -----------------------------------

RESOURCE_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "mask-icon",
    "manifest",
    "prefetch",
}
# Attributes that make a browser fetch something, by element.
FETCHING_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}


class Resources(HTMLParser):
    """Every URL a page makes the browser fetch, with what it is for."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            for rel in sorted(rels & RESOURCE_RELS):
                kind = values.get("as", "") if rel == "preload" else rel
                self.found.append((kind or rel, values.get("href", "")))
            return
        for name in FETCHING_ATTRIBUTES.get(tag, ()):
            if values.get(name):
                if name.endswith("srcset"):
                    for candidate in values[name].split(","):
                        self.found.append((tag, candidate.strip().split(" ")[0]))
                else:
                    self.found.append((tag, values[name]))
        if values.get("style") and "url(" in values["style"]:
            self.found += [("style", url) for url in css_urls(values["style"])]


CSS_URL = re.compile(
    r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]"""
)


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def resources(html: str) -> list[tuple[str, str]]:
    parser = Resources()
    parser.feed(html)
    return parser.found


def is_same_origin(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob"}:
        return True
    return not parts.netloc or parts.netloc == TEST_HOST


def static_file(url: str) -> bytes | None:
    """The bytes a same-origin static URL serves, from the finders."""
    path = urlsplit(url).path
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(static_url):
        return None
    found = finders.find(path.removeprefix(static_url))
    return Path(found).read_bytes() if found else None


IMAGE = re.compile(r"\.(png|jpe?g|gif|webp|avif|svg|ico)$", re.IGNORECASE)


def test_a_brief_page_is_light_and_first_party(client, db):
    pages = {page.name: page for page in seed_public_pages()}
    response = client.get(pages["brief"].url)
    assert response.status_code == 200
    html = response.content.decode()

    sizes = {pages["brief"].url: len(response.content)}
    problems = []
    queue = [(kind, urljoin(pages["brief"].url, url)) for kind, url in resources(html)]
    assert any(kind == "stylesheet" for kind, _ in queue), "expected the stylesheet"
    while queue:
        kind, url = queue.pop()
        if not is_same_origin(url):
            problems.append(f"brief: third-party {kind} {url}")
            continue
        if url in sizes or IMAGE.search(urlsplit(url).path) or kind in {"img", "icon"}:
            continue
        body = static_file(url)
        if body is None:
            problems.append(f"brief: {kind} {url} is not a static file")
            continue
        sizes[url] = len(body)
        if urlsplit(url).path.endswith(".css"):
            queue += [("css", urljoin(url, ref)) for ref in css_urls(body.decode())]

    total = sum(sizes.values())
    assert not problems, report(problems)
    assert total < BRIEF_PAGE_BUDGET, f"{total} bytes: {sizes}"


def test_no_public_page_references_another_origin(client, db):
    problems = []
    for page in seed_public_pages():
        html = client.get(page.url).content.decode()
        for kind, url in resources(html):
            if not is_same_origin(urljoin(page.url, url)):
                problems.append(f"{page.name} {page.url}: {kind} {url}")
        for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL):
            problems += [
                f"{page.name} {page.url}: inline style url {url}"
                for url in css_urls(css)
                if not is_same_origin(url)
            ]

    assert not problems, report(problems)


def test_the_resource_scan_sees_third_parties():
    html = (
        '<link rel="stylesheet" href="https://fonts.example.com/a.css">'
        '<link rel="preload" as="font" href="//cdn.example.com/f.woff2">'
        '<script src="https://cdn.example.com/x.js"></script>'
        '<img srcset="/static/a.png 1x, https://img.example.com/b.png 2x" alt="">'
        '<iframe src="https://video.example.com/embed"></iframe>'
        '<link rel="alternate" href="https://example.com/feed">'
        '<a href="https://example.com/">a link is not a load</a>'
    )
    foreign = [url for _, url in resources(html) if not is_same_origin(url)]
    assert foreign == [
        "https://fonts.example.com/a.css",
        "//cdn.example.com/f.woff2",
        "https://cdn.example.com/x.js",
        "https://img.example.com/b.png",
        "https://video.example.com/embed",
    ]
    assert css_urls("@import 'https://x.example/a.css'; b { src: url(/f.woff2) }") == [
        "https://x.example/a.css",
        "/f.woff2",
    ]


# --- In Chromium: axe-core and every network request -------------------------


def describe_violation(page: PublicPage, violation: dict) -> list[str]:
    lines = [
        f"{page.name} {page.url}: {violation['id']} ({violation['impact']}): "
        f"{violation['help']}"
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"    {target}  {node['html'][:160]}")
    return lines


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_public_page_has_no_axe_violations(browser_page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: list[str] = []
    for page in seed_public_pages():
        response = browser_page.goto(page.url)
        if response.status != page.status:
            problems.append(
                f"{page.name} {page.url}: HTTP {response.status}, expected {page.status}"
            )
        results = axe.run(browser_page)
        for violation in results.response["violations"]:
            problems += describe_violation(page, violation)

    assert not problems, report(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_reports_violations(browser_page):
    """The axe test can fail: a page with an unlabelled image is a violation."""
    from axe_playwright_python.sync_playwright import Axe

    browser_page.set_content('<html><body><img src="data:,"></body></html>')
    ids = {v["id"] for v in Axe().run(browser_page).response["violations"]}
    assert {"image-alt", "html-has-lang", "document-title"} <= ids


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_pages_load_nothing_from_another_origin(browser_page, live_server):
    origin = urlsplit(live_server.url).netloc
    problems: list[str] = []
    # Every page in a tab of its own, all loading at once: each is then
    # watched until the network has been idle for half a second (Playwright's
    # "networkidle"), so requests made after the load event are seen too, and
    # the half seconds pass together instead of one after another.
    tabs = []
    for page in seed_public_pages():
        tab = browser_page.context.new_page()
        requested: list[str] = []
        tab.on("request", lambda request, seen=requested: seen.append(request.url))
        tab.goto(page.url, wait_until="commit")
        tabs.append((page, tab, requested))
    for page, tab, requested in tabs:
        tab.wait_for_load_state("networkidle")
        for url in requested:
            parts = urlsplit(url)
            if parts.scheme not in {"data", "blob"} and parts.netloc != origin:
                problems.append(f"{page.name} {page.url}: requested {url}")
        if not any(urlsplit(url).path.endswith(".css") for url in requested):
            problems.append(f"{page.name} {page.url}: no stylesheet was loaded")

    assert not problems, report(problems)
