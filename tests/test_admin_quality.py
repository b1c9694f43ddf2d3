"""Quality bars for the editors' admin: accessible, valid HTML, light, with a favicon.

The same pages the readers' quality tests hold to their bar (tests/test_quality.py),
seen by an editor in the Editors group (not a superuser). Each check walks
every page in one test (one site, one run of the Nu checker, one browser
session) and a failure names each page that fails:

- Accessibility: axe-core finds no violation of any impact in headless Chromium.
- Validity: the Nu HTML checker finds no error in the HTML the page serves.
- Weight: the admin's own CSS and JavaScript stay under ADMIN_ASSETS_BUDGET bytes.
- A favicon, so an editor's tab is told apart from the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from briefs.models import Brief, Tag, TagPhrase, TagRedirect
from tests.factories import draft_brief, make_brief, published_brief, scheduled_brief
from tests.people import client_for, staff_member
from tests.test_quality import (
    describe_violation,
    java_or_skip,
    nu_check,
    report,
    resources,
    static_file,
    uses_nu_checker,
)

# 100 KB, counted in thousands: everything the project adds to Django's admin.
ADMIN_ASSETS_BUDGET = 100_000
ADMIN_STATIC = Path(settings.BASE_DIR) / "static" / "briefs" / "admin"


@dataclass(frozen=True)
class AdminPage:
    name: str
    url: str
    logged_in: bool = True


PAGE_NAMES = [
    "login",
    "desk",
    "brief-list",
    "brief-add",
    "brief-change",
    "history",
    "compare",
    "delete",
    "import",
    "tag-list",
    "tag-change",
]


def record_revision(brief: Brief, user: AbstractBaseUser, summary: str) -> Version:
    """Save ``brief`` with a new summary as one revision by ``user``, as the admin does."""
    with reversion.create_revision():
        brief.summary = summary
        brief.save()
        reversion.set_user(user)
        reversion.set_comment("Changed the summary.")
    return Version.objects.get_for_object(brief).first()


def tag_with_its_records() -> Tag:
    """A tag with match phrases and an old address: every part of its form filled."""
    tag = Tag.objects.get(name="Trade")
    tag.kind = Tag.Kind.TOPIC
    tag.save()
    TagPhrase.objects.create(tag=tag, phrase="trade talks")
    TagPhrase.objects.create(tag=tag, phrase="WTO")
    TagRedirect.objects.create(tag=tag, old_slug="commerce")
    return tag


def admin_pages(editor: AbstractBaseUser) -> dict[str, AdminPage]:
    """Fill the desk with briefs in every state and return each admin page, by name.

    The brief on the change, history, compare and delete pages is live, has
    several sections, key points and tags, and two revisions to compare.
    """
    draft_brief(title="Customs talks, first draft", created_by=editor)
    make_brief(title="Port fees under review", status=Brief.Status.REVIEW)
    scheduled_brief(title="Ministers meet in Geneva")
    brief = published_brief(
        title="Border trade reopens after two years of closures",
        summary="Ministers agreed to reopen two crossings to lorries and traders.",
        key_points=(
            "Two crossings reopen on Monday",
            "Tariffs stay as they are",
            "A joint customs office opens in July",
        ),
        sections=(
            ("", "Opening paragraph of the brief.\n\nA second paragraph.", ()),
            ("Trade and investment", "Talks covered *trade*.", ("Trade",)),
            ("Borders", "Two crossings reopen.", ("Borders", "Customs")),
            ("Next steps", "A second round in July.", ()),
        ),
        tags=("Geneva", "Trade"),
        created_by=editor,
    )
    older = record_revision(brief, editor, "Ministers agreed to reopen.")
    newer = record_revision(brief, editor, "Ministers agreed to reopen two.")
    tag = tag_with_its_records()
    briefs = reverse("admin:briefs_brief_changelist")
    pages = [
        AdminPage("login", reverse("admin:login"), logged_in=False),
        AdminPage("desk", reverse("admin:index")),
        AdminPage("brief-list", briefs),
        AdminPage("brief-add", reverse("admin:briefs_brief_add")),
        AdminPage(
            "brief-change", reverse("admin:briefs_brief_change", args=[brief.pk])
        ),
        AdminPage("history", reverse("admin:briefs_brief_history", args=[brief.pk])),
        AdminPage(
            "compare",
            reverse("admin:briefs_brief_compare", args=[brief.pk])
            + f"?from={older.pk}&to={newer.pk}",
        ),
        AdminPage("delete", reverse("admin:briefs_brief_delete", args=[brief.pk])),
        AdminPage("import", f"{briefs}import/"),
        AdminPage("tag-list", reverse("admin:briefs_tag_changelist")),
        AdminPage("tag-change", reverse("admin:briefs_tag_change", args=[tag.pk])),
    ]
    assert [page.name for page in pages] == PAGE_NAMES
    return {page.name: page for page in pages}


def desk_editor() -> AbstractBaseUser:
    """An editor as the desk knows one: in the Editors group, not a superuser."""
    return staff_member("Editors", "edith")


def client_for_page(page: AdminPage, editor: AbstractBaseUser) -> Client:
    """A test client logged in as ``editor``, or anonymous for the login page."""
    return client_for(editor) if page.logged_in else Client()


# --- Valid HTML (Nu checker; no browser) -------------------------------------


def nu_errors(java: str, files: dict[Path, AdminPage]) -> list[str]:
    """The Nu checker's errors for the pages saved in ``files``, each naming
    its page and line; warnings are printed, not failed."""
    by_name = {path.name: page for path, page in files.items()}
    problems = []
    for message in nu_check(java, list(files)):
        page = by_name[Path(urlsplit(message["url"]).path).name]
        kind = message.get("subType", message["type"])
        line = message.get("lastLine", "?")
        extract = message.get("extract", "").strip().replace("\n", " ")
        text = f"{page.name} {page.url} line {line}: {message['message']} [{extract}]"
        if message["type"] == "error" or kind == "fatal":
            problems.append(text)
        else:
            print(f"Nu {kind}: {text}")
    return problems


@uses_nu_checker
@pytest.mark.django_db
def test_every_admin_page_is_valid_html(tmp_path):
    java = java_or_skip()
    editor = desk_editor()
    pages = admin_pages(editor)
    clients = {True: client_for(editor), False: Client()}
    problems: list[str] = []
    files: dict[Path, AdminPage] = {}
    for page in pages.values():
        response = clients[page.logged_in].get(page.url)
        if response.status_code != 200:
            problems.append(f"{page.name} {page.url}: HTTP {response.status_code}")
            continue
        html_file = tmp_path / f"{page.name}.html"
        html_file.write_bytes(response.content)
        files[html_file] = page

    problems += nu_errors(java, files)

    assert set(pages) == set(PAGE_NAMES)
    assert not problems, report(problems)


# --- Accessibility (axe-core in Chromium) ------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_admin_page_has_no_axe_violations(browser_page, sign_in):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    editor = desk_editor()
    pages = admin_pages(editor)
    problems: list[str] = []
    signed_in = False
    # The login page first, before the browser holds the editor's session.
    for page in sorted(pages.values(), key=lambda page: page.logged_in):
        if page.logged_in and not signed_in:
            sign_in(browser_page, editor)
            signed_in = True
        response = browser_page.goto(page.url)
        landed = urlsplit(browser_page.url)
        if response.status != 200 or landed.path != urlsplit(page.url).path:
            problems.append(
                f"{page.name} {page.url}: HTTP {response.status} at {landed.path}"
            )
            continue
        violations = axe.run(browser_page).response["violations"]
        problems += [line for v in violations for line in describe_violation(page, v)]

    assert set(pages) == set(PAGE_NAMES)
    assert not problems, report(problems)


# --- Weight and favicon (no browser) -----------------------------------------


def test_the_admins_own_css_and_javascript_stay_under_budget():
    sizes = {
        str(path.relative_to(ADMIN_STATIC)): path.stat().st_size
        for path in sorted(ADMIN_STATIC.rglob("*"))
        if path.suffix in {".css", ".js"}
    }
    assert sizes, f"expected the admin's CSS and JavaScript in {ADMIN_STATIC}"
    total = sum(sizes.values())
    assert total < ADMIN_ASSETS_BUDGET, f"{total} bytes: {sizes}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "desk", "brief-change"])
def test_admin_pages_have_a_favicon_and_the_admin_stylesheet(name):
    editor = desk_editor()
    page = admin_pages(editor)[name]
    html = client_for_page(page, editor).get(page.url).content.decode()

    found = [(kind, urljoin(page.url, url)) for kind, url in resources(html)]
    icons = [url for kind, url in found if kind == "icon"]
    assert icons, f"{page.name}: no favicon link"
    assert all(static_file(url) for url in icons), icons
    stylesheets = [urlsplit(url).path for kind, url in found if kind == "stylesheet"]
    assert any(path.endswith("/briefs/admin/base.css") for path in stylesheets), (
        stylesheets
    )
