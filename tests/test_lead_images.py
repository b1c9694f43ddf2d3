"""A brief's lead image: renditions, the upload's checks, who may change it,
the pages and metadata that show it, and the files it leaves in storage.

Every test here writes to a temporary MEDIA_ROOT and originals folder
(``media``), never the project's.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from briefs.images import renditions
from briefs.images.lead import DEFAULT_IMAGE, PUBLISHER_LOGO, rendition_names
from briefs.models import Brief
from tests.admin_forms import assert_saved, change_url, form_data
from tests.factories import draft_brief, published_brief
from tests.photos import encoded, jpeg, photo, png_claiming, with_exif
from tests.test_quality import java_or_skip, nu_errors, report, uses_nu_checker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Renditions under tmp/media, originals under tmp/private."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "lead_image_originals": {
            "BACKEND": "briefs.images.storage.UnservedFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path


def files_under(folder: Path) -> set[str]:
    return {
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
    }


@cache
def small_photo() -> bytes:
    """A quick JPEG, 1000 × 600: renditions at 480, 800 and 1000."""
    return jpeg(1000, 600)


def upload(data: bytes | None = None, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or small_photo(), "image/jpeg")


def post_brief(client, brief: Brief, **changes):
    """Submit the brief's form unchanged but for ``changes`` (an unchanged
    file input sends no file, as a browser's does)."""
    url = change_url(brief)
    data = form_data(client, url)
    data.pop("lead_image", None)
    data.update(changes)
    return client.post(url, data)


def with_image(client, brief: Brief, data: bytes | None = None, **words) -> Brief:
    """Give ``brief`` a lead image through the admin form."""
    fields = {"lead_image_alt": "A harbour at dawn.", **words}
    response = post_brief(client, brief, lead_image=upload(data), **fields)
    assert_saved(response)
    brief.refresh_from_db()
    return brief


def live_with_image(client) -> Brief:
    """A published brief by Ada Lovelace with a captioned, credited image."""
    return with_image(
        client,
        published_brief(authors=("Ada Lovelace",)),
        lead_image_caption="Boats at the quay.",
        lead_image_credit="Photo: A. Person",
        change_kind="minor",
    )


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form should have come back"
    return response.context["adminform"].form.errors


# --- Renditions ------------------------------------------------------------


def test_renditions_at_each_width_in_webp_and_jpeg():
    rendered = renditions.render(jpeg(2000, 1250))

    assert (rendered.width, rendered.height) == (2000, 1250)
    made = [(r.width, r.height, r.media_type) for r in rendered.renditions]
    assert made == [
        (width, round(width * 1250 / 2000), media_type)
        for width in (480, 800, 1200, 1600)
        for media_type in ("image/webp", "image/jpeg")
    ]
    for rendition in rendered.renditions:
        with Image.open(io.BytesIO(rendition.data)) as image:
            assert (
                image.format
                == {"image/webp": "WEBP", "image/jpeg": "JPEG"}[rendition.media_type]
            )
            assert image.size == (rendition.width, rendition.height)


def test_a_small_image_is_never_upscaled():
    rendered = renditions.render(encoded(photo(600, 400), "PNG"))

    assert sorted({r.width for r in rendered.renditions}) == [480, 600]
    assert max(r.width for r in rendered.renditions) == 600


def test_exif_and_gps_are_stripped():
    data = with_exif(photo(900, 600))
    assert b"Secret Model" in data

    for rendition in renditions.render(data).renditions:
        assert b"Secret Model" not in rendition.data
        assert b"Exif" not in rendition.data and b"EXIF" not in rendition.data
        with Image.open(io.BytesIO(rendition.data)) as image:
            assert not image.getexif()
            assert "exif" not in image.info and "icc_profile" not in image.info


def test_the_exif_orientation_is_applied():
    # Stored on its side: red on the left. Orientation 6 means "turn a
    # quarter clockwise to show", so readers see red at the top.
    sideways = Image.new("RGB", (600, 400), "blue")
    sideways.paste((255, 0, 0), (0, 0, 300, 400))
    data = with_exif(sideways, orientation=6)

    assert renditions.check(data, max_bytes=10**7, max_pixels=10**7).width == 400
    rendered = renditions.render(data)
    assert (rendered.width, rendered.height) == (400, 600)
    jpeg_rendition = next(
        r for r in rendered.renditions if r.media_type == "image/jpeg"
    )
    with Image.open(io.BytesIO(jpeg_rendition.data)) as image:
        top = image.getpixel((image.width // 2, image.height // 4))
        bottom = image.getpixel((image.width // 2, image.height * 3 // 4))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_transparency_is_flattened_onto_white():
    clear = Image.new("RGBA", (500, 300), (0, 0, 0, 0))
    rendered = renditions.render(encoded(clear, "PNG"))

    with Image.open(io.BytesIO(rendered.renditions[-1].data)) as image:
        assert image.mode == "RGB"
        assert image.getpixel((10, 10))[0] > 245


def test_a_phone_gets_its_image_under_150_kb():
    """A 390 px phone at 3 device pixels asks for the 1,200 rendition; a
    dense photograph (0.5 bytes a pixel as a camera JPEG, more detail than
    most) stays under 150 KB as WebP, which every phone browser takes."""
    rendered = renditions.render(encoded(photo(3000, 2000), "JPEG", quality=92))

    phone = next(
        r for r in rendered.renditions if r.width == 1200 and r.extension == "webp"
    )
    assert phone.width >= 390 * 3
    assert len(phone.data) < 150_000


# --- What the upload check refuses -----------------------------------------

CHECK = {"max_bytes": 10_000_000, "max_pixels": 40_000_000}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not an image at all", id="bytes"),
        pytest.param(
            b"<!doctype html><script>alert(document.cookie)</script>", id="html"
        ),
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            id="svg",
        ),
        pytest.param(encoded(Image.new("RGB", (64, 64)), "GIF"), id="gif"),
        pytest.param(encoded(Image.new("RGB", (64, 64)), "BMP"), id="bmp"),
    ],
)
def test_what_is_not_an_accepted_image_is_refused(data):
    with pytest.raises(renditions.NotAnImage, match="not a JPEG, PNG or WebP"):
        renditions.check(data, **CHECK)


def test_a_truncated_image_is_refused():
    whole = jpeg(800, 500)
    with pytest.raises(renditions.NotAnImage, match="damaged or incomplete"):
        renditions.check(whole[: len(whole) // 2], **CHECK)


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over-our-limit", "bomb"])
def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(side):
    # 100 million pixels pass Pillow's warning; 400 million its error.
    with pytest.raises(renditions.NotAnImage, match="pixels"):
        renditions.check(png_claiming(side, side), **CHECK)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(renditions.NotAnImage, match="at most 0.1 MB"):
        renditions.check(jpeg(1600, 1000), max_bytes=100_000, max_pixels=10**8)


# --- The admin form ----------------------------------------------------------


def test_an_editor_uploads_an_image_and_renditions_are_made(chief, media):
    brief = with_image(
        chief,
        published_brief(),
        lead_image_caption="The harbour.",
        lead_image_credit="Photo: A. Person",
        change_kind="minor",
    )

    assert brief.lead_image.name.startswith("originals/")
    assert files_under(media / "private") == {brief.lead_image.name}
    made = brief.lead_image_renditions
    assert [(f["width"], f["type"]) for f in made["files"]] == [
        (width, media_type)
        for width in (480, 800, 1000)
        for media_type in ("image/webp", "image/jpeg")
    ]
    assert files_under(media / "media") == {f["name"] for f in made["files"]}
    # Named by their bytes: a new image, new names.
    assert all(
        re.fullmatch(
            rf"lead-images/{brief.pk}/\d+w-[0-9a-f]{{16}}\.(webp|jpg)", f["name"]
        )
        for f in made["files"]
    )
    assert (brief.lead_image_caption, brief.lead_image_credit) == (
        "The harbour.",
        "Photo: A. Person",
    )


def test_the_form_has_a_lead_image_fieldset_after_the_text(chief):
    html = chief.get(change_url(draft_brief())).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert html.index("Lead image") > html.index('id="sections-group"')
    assert html.index("Lead image") < html.index("Attribution")
    assert 'accept="image/jpeg,image/png,image/webp"' in html


def test_the_form_shows_the_current_image_from_its_renditions(chief):
    brief = with_image(chief, draft_brief())

    html = chief.get(change_url(brief)).content.decode()
    smallest = brief.lead_image_renditions["files"][1]["name"]  # 480 JPEG
    assert f'src="/media/{smallest}"' in html
    assert "Remove the image" in html
    assert brief.lead_image.name not in html  # the original has no address


def test_alt_text_is_required_with_an_image(chief, media):
    brief = draft_brief()

    errors = form_errors(post_brief(chief, brief, lead_image=upload()))

    assert "Describe the image" in errors["lead_image_alt"][0]
    assert files_under(media) == set()
    brief.refresh_from_db()
    assert not brief.lead_image


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a, or so it says", "photo.jpg", "not a JPEG, PNG or WebP"),
        (b"<html><body><script>alert(1)</script>", "photo.jpg", "not a JPEG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.jpg", "not a JPEG"),
        (png_claiming(20_000, 20_000), "bomb.png", "pixels"),
        (jpeg(800, 500)[:6000], "cut.jpg", "damaged or incomplete"),
    ],
    ids=["bytes", "html", "svg", "bomb", "truncated"],
)
def test_a_bad_upload_is_a_form_error_and_nothing_is_saved(
    chief, media, data, name, message
):
    brief = draft_brief()

    errors = form_errors(
        post_brief(
            chief,
            brief,
            lead_image=SimpleUploadedFile(name, data, "image/jpeg"),
            lead_image_alt="Something.",
        )
    )

    assert message in errors["lead_image"][0]
    assert files_under(media) == set()
    brief.refresh_from_db()
    assert not brief.lead_image and brief.lead_image_renditions == {}


def test_an_upload_over_the_size_limit_is_a_form_error(chief, media, settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 50_000
    brief = draft_brief()

    errors = form_errors(
        post_brief(chief, brief, lead_image=upload(), lead_image_alt="Something.")
    )

    assert "a lead image may be at most 0.1 MB" in errors["lead_image"][0]
    assert files_under(media) == set()


def test_an_upload_over_the_pixel_limit_is_a_form_error(chief, media, settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 500_000
    errors = form_errors(
        post_brief(
            chief, draft_brief(), lead_image=upload(), lead_image_alt="Something."
        )
    )

    assert "1,000 × 600 pixels" in errors["lead_image"][0]
    assert files_under(media) == set()


def test_removing_the_image_deletes_its_renditions_and_words(
    chief, media, django_capture_on_commit_callbacks
):
    brief = with_image(chief, draft_brief(), lead_image_caption="Caption.")
    original = brief.lead_image.name

    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(post_brief(chief, brief, **{"lead_image-clear": "on"}))

    brief.refresh_from_db()
    assert not brief.lead_image and brief.lead_image_renditions == {}
    assert (brief.lead_image_alt, brief.lead_image_caption) == ("", "")
    assert files_under(media / "media") == set()
    # The original stays: the brief's revisions name it.
    assert files_under(media / "private") == {original}


def test_replacing_the_image_leaves_no_orphan_renditions(
    chief, media, django_capture_on_commit_callbacks
):
    brief = with_image(chief, draft_brief())
    first = {f["name"] for f in brief.lead_image_renditions["files"]}

    with django_capture_on_commit_callbacks(execute=True):
        brief = with_image(chief, brief, jpeg(900, 900))

    now = {f["name"] for f in brief.lead_image_renditions["files"]}
    assert not first & now
    assert files_under(media / "media") == now


def test_deleting_a_brief_deletes_its_renditions(
    chief, media, django_capture_on_commit_callbacks
):
    brief = with_image(chief, draft_brief())

    with django_capture_on_commit_callbacks(execute=True):
        brief.delete()

    assert files_under(media / "media") == set()


def test_restoring_a_revision_brings_its_image_back(
    chief, media, django_capture_on_commit_callbacks
):
    brief = with_image(chief, draft_brief(), lead_image_alt="First picture.")
    first = brief.lead_image.name
    with django_capture_on_commit_callbacks(execute=True):
        with_image(chief, brief, jpeg(900, 900), lead_image_alt="Second picture.")
    old = Version.objects.get_for_object(brief).filter(
        serialized_data__contains="First picture."
    )[0]
    url = reverse("admin:briefs_brief_revision", args=[brief.pk, old.pk])
    data = form_data(chief, url)
    data.pop("lead_image")

    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(chief.post(url, data))

    brief.refresh_from_db()
    assert brief.lead_image.name == first
    assert brief.lead_image_alt == "First picture."
    made = {f["name"] for f in brief.lead_image_renditions["files"]}
    assert made and files_under(media / "media") == made
    preview = chief.get(brief.get_absolute_url()).content.decode()
    assert all(name in preview for name in made)


def test_a_writer_cannot_change_the_image_of_another_writers_brief(writer, media):
    brief = draft_brief()  # created by nobody: not the writer's

    response = writer.post(
        change_url(brief), {"lead_image": upload(), "lead_image_alt": "Mine now."}
    )

    assert response.status_code == 403
    assert files_under(media) == set()
    brief.refresh_from_db()
    assert not brief.lead_image


def test_a_writer_cannot_change_the_image_of_a_published_brief(writer, media):
    brief = published_brief(created_by=writer.user)

    response = writer.post(
        change_url(brief), {"lead_image": upload(), "lead_image_alt": "New."}
    )

    assert response.status_code == 403
    assert files_under(media) == set()


def test_a_writer_sees_the_image_of_a_brief_they_cannot_change(chief, writer):
    brief = with_image(chief, published_brief(), change_kind="minor")

    html = writer.get(change_url(brief)).content.decode()

    assert '<input type="file"' not in html
    assert re.search(r'<img src="/media/lead-images/[^"]+" alt="A harbour', html)


def test_a_writer_gives_their_own_draft_an_image(writer):
    brief = with_image(writer, draft_brief(created_by=writer.user))

    assert brief.lead_image_renditions["files"]


# --- Pages -------------------------------------------------------------------


def brief_page(brief: Brief) -> str:
    response = Client().get(brief.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def head_of(html: str) -> str:
    return html[: html.index("</head>")]


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_brief_page_shows_the_figure_under_the_header(chief):
    brief = live_with_image(chief)

    html = brief_page(brief)

    figure = re.search(r'<figure class="lead-figure">.*?</figure>', html, re.S)[0]
    header = html.index('<header class="brief__header">')
    assert header < html.index(figure) < html.index("</header>", header)
    webp = re.search(
        r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', figure
    )
    assert webp.group(1).count("w,") == 2 and webp.group(1).endswith("1000w")
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert re.search(r'srcset="/media/\S+480w-\S+\.jpg 480w, ', img)
    assert 'sizes="' in img
    assert 'width="1000" height="600"' in img
    assert 'alt="A harbour at dawn."' in img
    assert "loading=" not in img
    assert "<figcaption>" in figure
    assert "Boats at the quay." in figure and "Photo: A. Person" in figure


def test_the_home_page_lead_shows_the_image_at_once(chief):
    """The lead's picture is in a desktop's first screen: not lazy (it may
    be the largest thing painted)."""
    brief = with_image(chief, published_brief(), change_kind="minor")
    published_brief(published_at=brief.published_at.replace(year=2020))

    html = Client().get("/").content.decode()

    img = re.search(r'<div class="lead__media">.*?(<img [^>]+>)', html, re.S).group(1)
    assert "loading=" not in img
    assert 'sizes="(min-width: 75rem) 27rem, ' in img
    assert 'alt="A harbour at dawn."' in img


def test_the_share_image_and_structured_data(chief):
    brief = live_with_image(chief)
    jpeg_1000 = next(
        f["name"]
        for f in brief.lead_image_renditions["files"]
        if f["width"] == 1000 and f["type"] == "image/jpeg"
    )

    html = brief_page(brief)
    head = head_of(html)

    image_url = f"http://testserver/media/{jpeg_1000}"
    assert f'<meta property="og:image" content="{image_url}">' in head
    assert '<meta property="og:image:width" content="1000">' in head
    assert '<meta property="og:image:height" content="600">' in head
    assert '<meta property="og:image:alt" content="A harbour at dawn.">' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert f'<meta name="twitter:image" content="{image_url}">' in head
    data = json_ld(html)
    assert data["image"] == {
        "@type": "ImageObject",
        "url": image_url,
        "width": 1000,
        "height": 600,
        "caption": "Boats at the quay.",
        "creditText": "Photo: A. Person",
    }
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": "http://testserver/static/briefs/publisher-logo.png",
        "width": 512,
        "height": 512,
    }


def test_a_brief_without_an_image_shares_the_publishers(settings):
    settings.NEWSROOM_SITE_URL = "https://briefs.example.org"
    brief = published_brief(tags=("Trade",))

    html = brief_page(brief)

    default = "https://briefs.example.org/static/briefs/share-default.png"
    assert '<figure class="lead-figure">' not in html
    assert f'<meta property="og:image" content="{default}">' in head_of(html)
    assert '<meta name="twitter:card" content="summary">' in head_of(html)
    assert f'<meta name="twitter:image" content="{default}">' in head_of(html)
    assert json_ld(html)["image"] == {
        "@type": "ImageObject",
        "url": default,
        "width": 1200,
        "height": 630,
    }
    assert json_ld(html)["publisher"]["logo"]["url"] == (
        "https://briefs.example.org/static/briefs/publisher-logo.png"
    )
    # Every other page shares the same picture.
    tag_page = Client().get(reverse("briefs:tag", args=["trade"])).content.decode()
    assert f'<meta property="og:image" content="{default}">' in tag_page


def test_the_publishers_pictures_are_the_size_they_say():
    for image in (DEFAULT_IMAGE, PUBLISHER_LOGO):
        with Image.open(finders.find(image.path)) as opened:
            assert opened.format == "PNG"
            assert opened.size == (image.width, image.height)
    page_meta = Path(settings.BASE_DIR, "templates/includes/page_meta.html").read_text()
    assert f'{{% static "{DEFAULT_IMAGE.path}" as default_path %}}' in page_meta
    assert f'"og:image:width" content="{DEFAULT_IMAGE.width}"' in page_meta


def test_a_drafts_image_is_linked_from_no_public_page(chief, editor_client):
    draft = with_image(chief, draft_brief(tags=("Trade",), authors=("Ada Lovelace",)))
    published_brief(tags=("Trade",), authors=("Ada Lovelace",))
    names = rendition_names(draft)
    author = draft.authors.get()

    reader = Client()
    pages = [
        "/",
        reverse("briefs:tag", args=["trade"]),
        reverse("briefs:tags"),
        author.get_absolute_url(),
        reverse("briefs:feed-atom"),
        reverse("briefs:feed-rss"),
        "/api/briefs",
        "/sitemap.xml",
        reverse("briefs:search") + "?q=brief",
        draft.get_absolute_url(),
    ]
    for path in pages:
        html = reader.get(path).content.decode()
        assert not [name for name in names if name in html], path
    # Staff see it in the preview, which is never cached nor indexed.
    preview = editor_client.get(draft.get_absolute_url())
    assert all(name in preview.content.decode() for name in names)
    assert "no-store" in preview["Cache-Control"]


def test_changing_the_image_drops_the_cached_page(chief):
    brief = with_image(chief, published_brief(), change_kind="minor")
    reader = Client()
    first = reader.get(brief.get_absolute_url())
    assert reader.get(brief.get_absolute_url())["X-Cache"] == "hit"

    brief = with_image(chief, brief, jpeg(900, 900), change_kind="minor")

    again = reader.get(brief.get_absolute_url())
    assert again["X-Cache"] != "hit"
    new = rendition_names(brief)
    assert all(name in again.content.decode() for name in new)
    assert not [name for name in new if name in first.content.decode()]


def test_a_picture_below_the_fold_is_loaded_lazily(chief):
    from django.template.loader import render_to_string

    brief = with_image(chief, draft_brief())

    html = render_to_string(
        "includes/lead_picture.html",
        {"picture": brief.lead_picture, "sizes": "20rem", "lazy": True},
    )

    img = re.search(r"<img [^>]+>", html).group(0)
    assert 'loading="lazy"' in img


@uses_nu_checker
def test_pages_with_a_lead_image_are_valid_html(chief, tmp_path):
    java = java_or_skip()
    brief = live_with_image(chief)
    reader = Client()
    pages = {
        "brief": reader.get(brief.get_absolute_url()),
        "home": reader.get("/"),
        "admin form": chief.get(change_url(brief)),
    }
    files = {}
    for name, response in pages.items():
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_bytes(response.content)
        files[path] = name

    problems = nu_errors(java, files)
    assert not problems, report(problems)


def test_a_brief_page_with_its_image_stays_light_and_on_this_host(chief):
    """Everything but the image, uncompressed (the HTML, its stylesheets and
    scripts), under 50 KB; nothing the page loads comes from another host."""
    brief = live_with_image(chief)

    html = brief_page(brief)

    loaded = re.findall(
        r'<(?:link rel="stylesheet"|script|img|source|link rel="icon")[^>]*?'
        r'(?:href|src|srcset)="([^"]+)"',
        html,
    )
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    assets = [
        url
        for url in loaded
        if url.startswith(settings.STATIC_URL) and url.endswith((".css", ".js"))
    ]
    assert any(url.endswith(".css") for url in assets)
    sizes = {
        url: Path(finders.find(url.removeprefix(settings.STATIC_URL))).stat().st_size
        for url in assets
    }
    assert len(html.encode()) + sum(sizes.values()) < 50_000, sizes


def test_a_new_brief_is_saved_with_its_image(chief, media):
    add = reverse("admin:briefs_brief_add")
    data = form_data(chief, add)
    data.pop("lead_image", None)
    data.update(
        title="Born with a picture",
        move="save",
        lead_image=upload(),
        lead_image_alt="A harbour at dawn.",
    )

    assert_saved(chief.post(add, data))

    brief = Brief.objects.get(title="Born with a picture")
    names = rendition_names(brief)
    assert names and all(name.startswith(f"lead-images/{brief.pk}/") for name in names)
    assert files_under(media / "media") == set(names)
