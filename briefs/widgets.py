"""Admin widgets."""

from __future__ import annotations

from django.urls import reverse_lazy
from taggit.forms import TagWidget


class TagAutocompleteWidget(TagWidget):
    """Taggit's comma-separated text input, with suggestions of existing tags.

    The script reads the suggestion URL from ``data-tag-autocomplete``; without
    JavaScript the field is the plain text input.
    """

    class Media:
        js = ["briefs/admin/tag_autocomplete.js"]

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(
            {
                "data-tag-autocomplete": reverse_lazy("admin:briefs_tag_autocomplete"),
                "autocomplete": "off",
                "class": "vTextField",
                **(attrs or {}),
            }
        )
