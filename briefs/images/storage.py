"""Where uploaded originals are kept: a storage nothing serves.

Readers get only renditions (``STORAGES["default"]``, served at
``MEDIA_URL``). The original upload is kept so renditions can be made again
(a restored revision, new widths), but it may carry what its author never
meant to publish (GPS coordinates in its EXIF) and its bytes are the
uploader's, not ours: it lives in ``STORAGES["lead_image_originals"]``, by
default a folder outside ``MEDIA_ROOT`` that has no URL.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible

ORIGINALS = "lead_image_originals"


class UnservedFileSystemStorage(FileSystemStorage):
    """A folder of files with no public address: ``url()`` refuses."""

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Files in this storage are never served: link a rendition instead."
        )


@deconstructible(path="briefs.images.storage.NamedStorage")
class NamedStorage(Storage):
    """The storage ``STORAGES[alias]`` names, looked up at each use.

    A model field keeps the storage it was given for the life of the
    process; this one follows the setting, so a deployment (or a test) that
    points the alias elsewhere is obeyed.
    """

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def backend(self) -> Storage:
        return storages[self.alias]

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def size(self, name):
        return self.backend.size(name)

    def url(self, name):
        return self.backend.url(name)

    def path(self, name):
        return self.backend.path(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def __eq__(self, other) -> bool:
        return isinstance(other, NamedStorage) and other.alias == self.alias

    def __hash__(self) -> int:
        return hash(self.alias)


originals = NamedStorage(ORIGINALS)
