"""The brief as a Wagtail page: title, dateline, summary, key points, and
ordered sections (heading, rich text, tags), with the brief's own tags."""

from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page


class BriefPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "peer.BriefPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class BriefPage(Page):
    dateline = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    key_points = StreamField([("point", blocks.CharBlock())], blank=True)
    body = StreamField(
        [
            (
                "section",
                blocks.StructBlock(
                    [
                        ("heading", blocks.CharBlock(required=False)),
                        ("anchor", blocks.CharBlock(required=False)),
                        ("body", blocks.RichTextBlock()),
                        ("tags", blocks.ListBlock(blocks.CharBlock())),
                    ]
                ),
            )
        ],
        blank=True,
    )
    tags = ClusterTaggableManager(through=BriefPageTag, blank=True)
