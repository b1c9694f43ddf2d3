"""A brief's lead image in storage and on pages.

Saving a brief (``Brief.save``) calls ``update_renditions``: a new upload
is stored in the unserved originals storage and its renditions are made
then, once, never on a reader's request; the files a change leaves unused
are deleted after the commit (``sweep_after_commit``). What the brief holds is
``Brief.lead_image_renditions``::

    {"source": <the original's name>, "version": RENDITIONS_VERSION,
     "width": …, "height": …,
     "files": [{"name", "width", "height", "type"}, …]}

Originals are kept when an image is replaced or removed: the brief's
revisions name them, and restoring a revision makes their renditions again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from briefs.images import renditions

logger = logging.getLogger(__name__)

# Renditions live under this folder of STORAGES["default"], one folder per upload.
RENDITIONS_DIR = "lead-images"
# Raise to have every brief's renditions made again at its next save (new
# widths or qualities in ``renditions``).
RENDITIONS_VERSION = 1
# The extensions an original keeps; Pillow, not the name, decides what it is.
ORIGINAL_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}


def original_name(instance, filename: str) -> str:
    """Where an upload is kept: a folder of its own, and none of the name it
    had on the editor's computer (which may say more than the picture)."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in ORIGINAL_EXTENSIONS:
        suffix = ".img"
    return f"originals/{uuid.uuid4().hex}/original{suffix}"


def update_renditions(brief) -> bool:
    """Bring ``brief.lead_image_renditions`` in line with ``brief.lead_image``
    (the brief has its primary key); returns whether they changed, and so
    whether ``sweep_after_commit`` has files to delete.

    A new upload is stored first, under its final name; renditions are made
    when the image is new, restored from a revision (whose renditions are
    not recorded), or made by an older ``RENDITIONS_VERSION``, and written to
    ``lead-images/<brief id>/``. Costs nothing when the image has not
    changed. An original missing from storage leaves the brief with no
    renditions (and its page with no image), and a warning in the log.
    """
    current = brief.lead_image_renditions or {}
    image = brief.lead_image
    if not image:
        brief.lead_image_renditions = {}
        return bool(current)
    if not image._committed:
        image.save(image.name, image.file, save=False)
    if (
        current.get("source") == image.name
        and current.get("version") == RENDITIONS_VERSION
    ):
        return False
    try:
        with image.open("rb") as original:
            data = original.read()
    except FileNotFoundError:
        logger.warning(
            "Brief %s: lead image original %s is missing; no renditions.",
            brief.pk,
            image.name,
        )
        brief.lead_image_renditions = {}
        return True
    rendered = renditions.render(data)
    folder = f"{RENDITIONS_DIR}/{brief.pk}"
    brief.lead_image_renditions = {
        "source": image.name,
        "version": RENDITIONS_VERSION,
        "width": rendered.width,
        "height": rendered.height,
        "files": [store(rendition, folder) for rendition in rendered.renditions],
    }
    return True


def store(rendition: renditions.Rendition, folder: str) -> dict:
    """Write ``rendition`` to the default storage, under a name made of its
    width and a hash of its bytes (the same bytes, the same name: written once)."""
    storage = storages["default"]
    name = f"{folder}/{rendition.width}w-{rendition.digest}.{rendition.extension}"
    if not storage.exists(name):
        name = storage.save(name, ContentFile(rendition.data))
    return {
        "name": name,
        "width": rendition.width,
        "height": rendition.height,
        "type": rendition.media_type,
    }


def sweep_after_commit(brief, *, deleted: bool = False) -> None:
    """Once the write commits, delete the files in the brief's renditions
    folder that its renditions (none, when ``deleted``) no longer name: a
    replaced or removed image's, or those a restored revision left behind.

    A write rolled back leaves any renditions it made in the folder until
    the brief's image next changes.
    """
    keep = set() if deleted else set(rendition_names(brief))
    folder = f"{RENDITIONS_DIR}/{brief.pk}"
    transaction.on_commit(lambda: sweep(folder, keep))


def sweep(folder: str, keep: set[str]) -> None:
    storage = storages["default"]
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        name = f"{folder}/{file}"
        if name not in keep:
            storage.delete(name)


def rendition_names(brief) -> list[str]:
    return [
        entry["name"] for entry in (brief.lead_image_renditions or {}).get("files", [])
    ]


@dataclass(frozen=True)
class Source:
    media_type: str
    srcset: str


@dataclass(frozen=True)
class Picture:
    """What a ``<picture>`` of the lead image needs: a ``<source>`` for each
    better format than JPEG, the JPEG ``srcset`` and ``src`` for the
    ``<img>``, the size of the largest rendition (for ``width``/``height``:
    the browser keeps the room), and the words."""

    sources: tuple[Source, ...]
    srcset: str
    src: str
    width: int
    height: int
    alt: str
    caption: str
    credit: str
    # The JPEG rendition shared (og:image, JSON-LD): the widest up to 1,200.
    share_url: str
    share_width: int
    share_height: int


def picture(brief) -> Picture | None:
    """The lead image of ``brief`` as pages show it, or None when it has none
    (or its renditions are not made)."""
    files = (brief.lead_image_renditions or {}).get("files", [])
    if not brief.lead_image or not files:
        return None
    storage = storages["default"]
    by_type: dict[str, list[dict]] = {}
    for entry in sorted(files, key=lambda entry: entry["width"]):
        by_type.setdefault(entry["type"], []).append(entry)
    srcsets = {
        media_type: ", ".join(
            f"{storage.url(entry['name'])} {entry['width']}w" for entry in entries
        )
        for media_type, entries in by_type.items()
    }
    jpegs = by_type.get("image/jpeg")
    if not jpegs:
        return None
    largest = jpegs[-1]
    fallback = next((e for e in jpegs if e["width"] >= 800), largest)
    shared = [e for e in jpegs if e["width"] <= 1200][-1:] or jpegs[:1]
    return Picture(
        sources=tuple(
            Source(media_type=media_type, srcset=srcsets[media_type])
            for _, media_type, _ in renditions.KINDS
            if media_type != "image/jpeg" and media_type in srcsets
        ),
        srcset=srcsets["image/jpeg"],
        src=storage.url(fallback["name"]),
        width=largest["width"],
        height=largest["height"],
        alt=brief.lead_image_alt,
        caption=brief.lead_image_caption,
        credit=brief.lead_image_credit,
        share_url=storage.url(shared[0]["name"]),
        share_width=shared[0]["width"],
        share_height=shared[0]["height"],
    )


@dataclass(frozen=True)
class StaticImage:
    """One of the publisher's own pictures, a static file."""

    path: str
    width: int
    height: int


# What a page shares when it has no image of its own (templates/includes/
# page_meta.html names the same file), and the publisher's logo.
DEFAULT_IMAGE = StaticImage("briefs/share-default.png", 1200, 630)
PUBLISHER_LOGO = StaticImage("briefs/publisher-logo.png", 512, 512)
