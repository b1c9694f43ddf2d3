"""Pictures made here for the lead image tests: photograph-like, or hostile."""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import cache

from PIL import Image, ImageChops


def _fractal(width: int, height: int, seed: int) -> Image.Image:
    """Noise at every scale, coarse to fine, each octave twice the size of
    the last: detail from the horizon down to the grain, as in a photograph."""
    rng = random.Random(seed)
    out = None
    for k in reversed(range(7)):
        size = (max(2, width >> k), max(2, height >> k))
        noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
        layer = noise.resize((width, height), Image.Resampling.BICUBIC)
        out = layer if out is None else Image.blend(out, layer, 0.3)
    return out


def photo(width: int = 3000, height: int = 2000, seed: int = 1) -> Image.Image:
    """A photograph's worth of detail: saved as a JPEG at quality 92 it takes
    about 0.33 bytes a pixel, as a camera's does (2 MB for 3000 × 2000)."""
    red, green, blue, light = (_fractal(width, height, seed + i) for i in range(4))
    sky = Image.linear_gradient("L").resize((width, height))
    return Image.merge(
        "RGB",
        [
            ImageChops.add(red, sky, 2, 0),
            ImageChops.add(green, light, 2, 10),
            ImageChops.add(blue, ImageChops.invert(sky), 2, 0),
        ],
    )


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@cache
def jpeg(width: int = 1600, height: int = 1000, **options) -> bytes:
    """A plain photograph-like JPEG, made once a process for each size and
    options: making the photograph costs far more than a test that reads it
    (bytes, so no test can change another's)."""
    return encoded(photo(width, height), "JPEG", quality=90, **options)


def with_exif(image: Image.Image, *, orientation: int = 1) -> bytes:
    """``image`` as a JPEG carrying a camera's EXIF: make, model, GPS
    coordinates and ``orientation``."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0110] = "Secret Model"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    return encoded(image, "JPEG", quality=90, exif=exif.tobytes())


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims ``width`` × ``height``
    pixels: a decompression bomb's opening."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )
