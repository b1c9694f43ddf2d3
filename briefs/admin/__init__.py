"""The editors' admin: briefs with their authors, key points and sections, and tags.

``briefs.py``, ``authors.py`` and ``tags.py`` register the admins; the rest
are their parts.
"""

from django.contrib import admin
from taggit.models import Tag as TaggitTag

from briefs.admin import records  # noqa: F401  (registers the import records' admin)
from briefs.admin.authors import AuthorAdmin
from briefs.admin.briefs import BriefAdmin
from briefs.admin.tags import TagAdmin

__all__ = ["AuthorAdmin", "BriefAdmin", "TagAdmin"]

# Briefs and sections use briefs.Tag; taggit's own tag table stays empty, so
# its admin would only confuse editors.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)
