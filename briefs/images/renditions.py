"""An uploaded image checked, then re-encoded at a few widths as WebP and JPEG.

Plain Pillow, no Django: bytes in, ``Checked`` or ``Rendered`` out. Readers
only ever get these renditions, never the uploaded bytes: each is decoded
and encoded again here, so whatever else a file carried (EXIF with GPS, a
comment, an HTML or script payload riding in a valid image) is gone, and its
type is the one its name says.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageCms, ImageOps

# What an editor may upload. Pillow reads many more formats (TIFF, BMP, PSD,
# ICO…); each is another decoder open to uploads, for pictures nobody sends.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

# Each rendition's width in pixels, never more than the original's. A phone
# 390 px wide at 3 device pixels per CSS pixel asks for about 1,170: the
# 1,200 rendition, which must stay under 150 KB for a typical photo.
WIDTHS = (480, 800, 1200, 1600)
WEBP_QUALITY = 70
JPEG_QUALITY = 76

# (format for Pillow, media type, file extension) of each kind of rendition,
# best first: a <picture> offers them in this order.
KINDS = (("WEBP", "image/webp", "webp"), ("JPEG", "image/jpeg", "jpg"))

_SRGB = ImageCms.createProfile("sRGB")


class NotAnImage(ValueError):
    """The upload is not an image we accept; the message is for the editor."""


@dataclass(frozen=True)
class Checked:
    """An upload that decodes whole: its format and size as readers see it
    (after its EXIF orientation)."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    media_type: str
    extension: str
    data: bytes

    @property
    def digest(self) -> str:
        """A short hash of the bytes: the file name changes when they do."""
        return hashlib.sha256(self.data).hexdigest()[:16]


@dataclass(frozen=True)
class Rendered:
    width: int
    height: int
    renditions: tuple[Rendition, ...]


def check(data: bytes, *, max_bytes: int, max_pixels: int) -> Checked:
    """``data`` as an image we accept, or ``NotAnImage`` saying why not.

    Refused: more than ``max_bytes``; anything but a JPEG, PNG or WebP (an
    SVG, an HTML page or any other file, whatever its name); more than
    ``max_pixels`` (checked from the header, before decoding: a small file
    can claim billions of pixels); a file that does not decode to its end
    (truncated or damaged).
    """
    if len(data) > max_bytes:
        raise NotAnImage(too_large(len(data), max_bytes))
    try:
        with warnings.catch_warnings():
            # Pillow's own guard against decompression bombs warns first and
            # raises only past twice its limit; either way it is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                if image.width * image.height > max_pixels:
                    raise too_many_pixels(image.width, image.height, max_pixels)
                image.load()
                width, height = oriented_size(image)
                return Checked(format=image.format, width=width, height=height)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage(
            f"This image has more pixels than a lead image may have "
            f"({max_pixels:,}). Export it smaller."
        ) from None
    except NotAnImage:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise NotAnImage(
            "This file is not a JPEG, PNG or WebP image, or it is damaged or "
            "incomplete. Upload a photograph or graphic in one of those formats."
        ) from error


def render(data: bytes, *, widths: tuple[int, ...] = WIDTHS) -> Rendered:
    """The image in ``data`` (already ``check``-ed) at each of ``widths`` that
    is not wider than itself (its own width when all are), as WebP and JPEG.

    Turned upright by its EXIF orientation, converted to sRGB, flattened onto
    white if it has transparency, and written with no metadata at all.
    """
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as opened:
        image = upright_srgb(opened)
    targets = sorted({min(width, image.width) for width in widths})
    renditions = []
    for width in targets:
        height = max(1, round(image.height * width / image.width))
        sized = (
            image
            if width == image.width
            else image.resize((width, height), Image.Resampling.LANCZOS)
        )
        for pillow_format, media_type, extension in KINDS:
            renditions.append(
                Rendition(
                    width=width,
                    height=height,
                    media_type=media_type,
                    extension=extension,
                    data=encode(sized, pillow_format),
                )
            )
    return Rendered(
        width=image.width, height=image.height, renditions=tuple(renditions)
    )


def upright_srgb(image: Image.Image) -> Image.Image:
    """``image`` turned by its EXIF orientation, in sRGB, RGB with no alpha,
    and with no metadata left in ``info``."""
    profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.getchannel("A"))
    else:
        upright = upright.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            upright = ImageCms.profileToProfile(upright, source, _SRGB)
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are
    upright.info = {}
    return upright


def encode(image: Image.Image, pillow_format: str) -> bytes:
    """``image`` as ``pillow_format`` bytes; no EXIF, ICC or XMP is passed,
    so none is written."""
    out = io.BytesIO()
    if pillow_format == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=5)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def oriented_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) once the EXIF orientation is applied: 5 to 8 turn the
    picture a quarter."""
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    if orientation in (5, 6, 7, 8):
        return image.height, image.width
    return image.width, image.height


def too_many_pixels(width: int, height: int, limit: int) -> NotAnImage:
    return NotAnImage(
        f"This image is {width:,} × {height:,} pixels, more than a lead image "
        f"may have ({limit:,} pixels). Export it smaller."
    )


def too_large(size: int, limit: int) -> str:
    return (
        f"This file is {size / 1_000_000:.1f} MB; a lead image may be at most "
        f"{limit / 1_000_000:.1f} MB. Export it smaller (2,000 pixels wide is plenty)."
    )
