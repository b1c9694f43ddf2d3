"""The admin's forms and their widget: briefs with their sections, and tags.

The admin (``briefs.admin``) wires these in; the rules they apply live in
``briefs.editorial`` (who may change what, the public record) and on the
models.
"""

from __future__ import annotations

import functools
import json
import operator
from functools import cached_property

from adminsortable2.admin import CustomInlineFormSet
from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from taggit.forms import TagWidget

from briefs.editorial import versions, workflow
from briefs.editorial.history import brief_versions
from briefs.editorial.restoring import Restoring
from briefs.images import renditions
from briefs.models import (
    RESERVED_ANCHORS,
    Brief,
    KeyPoint,
    Section,
    Tag,
    now_to_the_second,
)


def unix_line_ends(text: str) -> str:
    """``text`` with Windows (\\r\\n) and old Mac (\\r) line ends as \\n.

    Browsers send a textarea's lines with \\r\\n; the database, the API and
    the diffs keep one kind of line end.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


class UnixLineEnds:
    """A form mixin: every text value it cleans has \\n line ends."""

    def clean(self) -> dict:
        cleaned_data = super().clean()
        for name, value in cleaned_data.items():
            if isinstance(value, str):
                cleaned_data[name] = unix_line_ends(value)
        return cleaned_data


class HiddenValue(forms.HiddenInput):
    """A hidden input no label points at: a label for an input nobody sees
    is an error in HTML and noise to a screen reader."""

    def id_for_label(self, id_: str) -> str:
        return ""


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class PublicationTimeWidget(forms.SplitDateTimeWidget):
    """A date and a time, each the browser's own input with a label of its
    own; the time keeps its seconds, so saving leaves a brief's date alone."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.widgets = [
            DateInput(attrs=attrs, format="%Y-%m-%d"),
            TimeInput(attrs={**(attrs or {}), "step": 1}, format="%H:%M:%S"),
        ]

    def render(self, name, value, attrs=None, renderer=None) -> str:
        subwidgets = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        labels = ["Date", f"Time ({timezone.get_current_timezone_name()})"]
        parts = (
            (
                context["attrs"].get("id", ""),
                label,
                widget._render(widget.template_name, {"widget": context}, renderer),
            )
            for label, widget, context in zip(
                labels, self.widgets, subwidgets, strict=True
            )
        )
        return format_html(
            '<div class="publication-time">{}</div>',
            format_html_join("", '<span><label for="{}">{}</label> {}</span>', parts),
        )


class TagAutocompleteWidget(TagWidget):
    """Taggit's comma-separated text input, which the script turns into chips
    with suggestions of existing tags, each with its kind.

    The script reads the suggestion URL from ``data-tag-autocomplete`` and
    the kinds of the tags already chosen from ``data-tag-kinds``; without
    JavaScript the field is the plain text input, in taggit's syntax.
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

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        if value is not None and not isinstance(value, str):
            kinds = {
                tag.name: tag.get_kind_display()
                for tag in value
                if isinstance(tag, Tag)
            }
            context["widget"]["attrs"]["data-tag-kinds"] = json.dumps(kinds)
        return context


class LoadedRowField(forms.ModelChoiceField):
    """An inline row's hidden id, found among the rows its formset has loaded.

    Django's own field looks every submitted row up with a query of its own:
    saving a brief with fifty sections would make fifty. A pk that is not
    among the loaded rows falls back to Django's lookup and its errors.
    """

    rows: dict[str, models.Model]

    def to_python(self, value):
        if value not in self.empty_values and str(value) in self.rows:
            return self.rows[str(value)]
        return super().to_python(value)


class LoadedRowsFormSet(CustomInlineFormSet):
    """adminsortable2's inline formset, reading submitted rows from one query."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        name = self._pk_field.name
        field = form.fields.get(name)
        if type(field) is forms.ModelChoiceField:
            loaded = LoadedRowField(
                queryset=field.queryset,
                initial=field.initial,
                required=field.required,
                widget=field.widget,
            )
            loaded.rows = self.loaded_rows
            form.fields[name] = loaded

    @cached_property
    def loaded_rows(self) -> dict[str, models.Model]:
        return {str(row.pk): row for row in self.get_queryset()}


def may_create_tags(user) -> bool:
    """Editors, who keep the vocabulary, create tags; writers choose from it."""
    return user is None or user.has_perm("briefs.add_tag")


def existing_tags_only(user, names: list[str]) -> list[str]:
    """``names``, unless ``user`` may not create tags and one is new: a form error.

    Writers choose from the existing tags (any case matches); editors, who
    keep the vocabulary, create tags by typing a new name.
    """
    if may_create_tags(user) or not names:
        return names
    matches = Tag.objects.filter(
        functools.reduce(operator.or_, (Q(name__iexact=name) for name in names))
    )
    known = {name.casefold() for name in matches.values_list("name", flat=True)}
    unknown = [name for name in names if name.casefold() not in known]
    if unknown:
        raise forms.ValidationError(
            "%(names)s %(verb)s not a tag yet. Choose from the existing tags, or "
            "ask an editor to create %(it)s.",
            params={
                "names": ", ".join(f"“{name}”" for name in unknown),
                "verb": "is" if len(unknown) == 1 else "are",
                "it": "it" if len(unknown) == 1 else "them",
            },
            code="unknown_tag",
        )
    return names


class ChoosesTags:
    """A form with a ``tags`` field, saved by ``user`` (set by the admin).

    Whoever may not create tags chooses among the existing ones. The chips
    script learns from the input whether new names are allowed
    (``data-tag-create``) and where the tagger suggests tags for the text
    (``data-tag-suggestions``).
    """

    user = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("tags")
        if field is not None:
            attrs = field.widget.attrs
            attrs["data-tag-suggestions"] = reverse("admin:briefs_brief_suggest_tags")
            if may_create_tags(self.user):
                attrs["data-tag-create"] = "true"

    def clean_tags(self) -> list[str]:
        return existing_tags_only(self.user, self.cleaned_data["tags"])


class KeyPointForm(UnixLineEnds, forms.ModelForm):
    class Meta:
        model = KeyPoint
        fields = ["text"]


class SectionForm(UnixLineEnds, ChoosesTags, forms.ModelForm):
    class Meta:
        model = Section
        fields = ["heading", "anchor", "body", "tags"]
        widgets = {
            # The editor script adds a Write/Preview switch; the server
            # renders the preview as readers will see it.
            "body": forms.Textarea(
                attrs={
                    "rows": 12,
                    "cols": 100,
                    "class": "markdown-body",
                    "data-markdown-preview": reverse_lazy(
                        "admin:briefs_brief_markdown_preview"
                    ),
                }
            )
        }

    def clean_anchor(self) -> str | None:
        anchor = self.cleaned_data["anchor"]
        if anchor in RESERVED_ANCHORS:
            raise forms.ValidationError(
                "The brief page already uses #%(anchor)s; choose another anchor.",
                params={"anchor": anchor},
            )
        # None, not "": Section.save() then makes an anchor from the heading,
        # and the formset's (brief, anchor) uniqueness check skips the row, so
        # several new sections can leave the anchor empty in one save.
        return anchor or None


class SectionFormSet(LoadedRowsFormSet):
    def clean(self) -> None:
        """A new section may not take an anchor a section not in this form has.

        Django leaves the brief out of an inline row's own uniqueness checks,
        and the formset compares its rows only with each other; the brief's
        other sections are checked here, so a clash is a form error, not a
        database error.
        """
        super().clean()
        edited = {form.instance.pk for form in self.initial_forms}
        others = {
            row.anchor for pk, row in self.loaded_rows.items() if int(pk) not in edited
        }
        for form in self.extra_forms:
            anchor = getattr(form, "cleaned_data", {}).get("anchor")
            if anchor and anchor in others:
                form.add_error(
                    "anchor",
                    f"Another section of this brief already uses #{anchor}; "
                    "choose another anchor.",
                )


class LeadImageInput(forms.ClearableFileInput):
    """The lead image's file input, showing the current image as readers see
    it (its smallest rendition), never a link to the unserved original."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"accept": "image/jpeg,image/png,image/webp", **(attrs or {})})

    def is_initial(self, value) -> bool:
        # Django's asks for the file's URL, which an original does not have.
        return bool(value and getattr(value, "name", ""))

    def render(self, name, value, attrs=None, renderer=None) -> str:
        upload = forms.FileInput(self.attrs).render(name, None, attrs, renderer)
        if not self.is_initial(value):
            return upload
        picture = value.instance.lead_picture
        thumbnail = (
            format_html(
                '<img src="{}" alt="" width="160" height="{}">',
                picture.srcset.split(" ", 1)[0],
                round(160 * picture.height / picture.width),
            )
            if picture
            else ""
        )
        clear_id = self.clear_checkbox_id(self.clear_checkbox_name(name))
        return format_html(
            '<div class="lead-image-current">{}<p><input type="checkbox" '
            'name="{}" id="{}"> <label for="{}" class="vCheckboxLabel">Remove '
            "the image</label></p><p>Replace it: {}</p></div>",
            thumbnail,
            self.clear_checkbox_name(name),
            clear_id,
            clear_id,
            upload,
        )


class LeadImageField(forms.ImageField):
    """An upload that ``briefs.images.renditions.check`` accepts: a JPEG,
    PNG or WebP that decodes whole, within NEWSROOM_IMAGE_MAX_BYTES and
    NEWSROOM_IMAGE_MAX_PIXELS. Anything else is a form error saying why."""

    widget = LeadImageInput

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        limit = settings.NEWSROOM_IMAGE_MAX_BYTES
        try:
            if upload.size > limit:
                # Refused before it is read into memory.
                raise renditions.NotAnImage(renditions.too_large(upload.size, limit))
            upload.seek(0)
            checked = renditions.check(
                upload.read(),
                max_bytes=limit,
                max_pixels=settings.NEWSROOM_IMAGE_MAX_PIXELS,
            )
        except renditions.NotAnImage as error:
            raise forms.ValidationError(str(error), code="invalid_image") from None
        upload.seek(0)
        upload.content_type = f"image/{checked.format.lower()}"
        return upload


SAVE_INTERRUPTED = (
    "The connection to the database was lost while saving, so nothing was "
    "saved. Your changes are still in this form: check them and save again."
)


class BriefForm(UnixLineEnds, ChoosesTags, forms.ModelForm):
    # The version of the brief this form was opened at. A save from an older
    # version than the database's is refused: nothing is overwritten silently.
    loaded_version = forms.IntegerField(widget=HiddenValue, required=False)
    # The button pressed (workflow.FORM_MOVES); empty keeps the posted status.
    move = forms.CharField(required=False, widget=HiddenValue)
    # Asked only when the brief is live (see BriefAdmin.get_fieldsets).
    change_kind = forms.ChoiceField(
        label="What kind of change is this?",
        choices=[
            (value, f"{name}: {meaning}")
            for value, name, meaning in versions.CHANGE_KINDS
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    change_note = forms.CharField(
        label="Public note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=1000,
        required=False,
        help_text="For an update or a correction: what changed, in a sentence "
        "readers will see under the brief, dated.",
    )
    lead_image = LeadImageField(
        label="Image",
        required=False,
        help_text="A JPEG, PNG or WebP photograph or graphic, at least 1,600 "
        "pixels wide for sharp pictures on every screen. Readers get copies "
        "resized and stripped of the file's metadata (camera, GPS).",
    )

    # Set by BriefAdmin.get_form: the person saving (see ChoosesTags), and
    # the restore or recovery under way, if any (the form then shows an old
    # revision).
    restoring: Restoring | None = None
    # Set by BriefAdmin.changeform_view when the database connection was lost
    # during this save: the form comes back with the editor's input and says so.
    save_interrupted: bool = False

    class Meta:
        model = Brief
        # The fields this form's own logic needs; BriefAdmin's fieldsets add the rest.
        fields = ["slug", "status", "published_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Brief.save() makes a unique slug (title, title-2, …) when it is empty.
        if "slug" in self.fields:  # absent when the brief is shown read-only
            slug = self.fields["slug"]
            slug.required = False
            slug.help_text = f"{slug.help_text} Leave empty to make one from the title."
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.database_version()
        if "status" in self.fields:
            # The form's buttons move the brief; the status rides along unseen.
            self.fields["status"].widget = HiddenValue()
        if "status" in self.fields and self.user is not None:
            current = self.instance.status if self.instance.pk else None
            allowed = workflow.allowed_statuses(self.user, current)
            self.fields["status"].choices = [
                choice for choice in Brief.Status.choices if choice[0] in allowed
            ]
        if "published_at" in self.fields:
            self.fields["published_at"].label = "Publication time"
            self.fields["published_at"].help_text = (
                "Empty until the brief is first published. To schedule it, "
                "choose a date and time to come and press “Schedule…”."
            )

    def database_version(self) -> int | None:
        """The brief's edit version now (for a restore, today's, not the revision's)."""
        if self.restoring is not None and self.restoring.current_version is not None:
            return self.restoring.current_version
        return (
            Brief.objects.filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )

    @cached_property
    def before(self) -> Brief | None:
        """The brief as it is in the database now (None for a new one).

        Read afresh, not from the form's instance: on a restore the instance
        was loaded after the old revision was put back. For a recovery, the
        brief as it was when deleted. A submitted form locks the row until
        the save commits: the admin validates and saves in one transaction,
        so on PostgreSQL the lock closes the gap between the checks made on
        this row (the write rule, the version) and the write; SQLite's
        IMMEDIATE transactions hold the write lock already.
        """
        if self.recovered_from is not None:
            return self.recovered_from
        if not self.instance.pk:
            return None
        briefs = Brief.objects.select_for_update() if self.is_bound else Brief.objects
        return briefs.filter(pk=self.instance.pk).first()

    @property
    def recovered_from(self) -> Brief | None:
        """The brief as it was when deleted, when this form recovers it."""
        return self.restoring.deleted if self.restoring is not None else None

    @property
    def asks_change_kind(self) -> bool:
        return self.before is not None and self.before.is_public

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if self.save_interrupted:
            self.add_error(None, SAVE_INTERRUPTED)
        self.apply_move(cleaned_data)
        self.check_date_keeps_its_side(cleaned_data)
        if self.user is not None:
            status = cleaned_data.get("status")
            before = self.before
            if status is not None and before is not None and status == before.status:
                status = None  # the status is not changing
            reason = workflow.refusal(self.user, before, to_status=status)
            if reason is not None:
                raise forms.ValidationError(reason, code="not_allowed")
        if (
            self.asks_change_kind
            and cleaned_data.get("status") == Brief.Status.PUBLISHED
        ):
            self.check_change_kind(cleaned_data)
        if self.instance.pk:
            self.check_version(cleaned_data.get("loaded_version"))
        self.check_lead_image(cleaned_data)
        # Brief.save() would date it too, but the published_brief_has_date
        # constraint is validated before save(); date it here so the editor
        # does not see a constraint error for choosing "Published".
        if (
            cleaned_data.get("status") == Brief.Status.PUBLISHED
            and cleaned_data.get("published_at") is None
            and "published_at" not in self.errors
        ):
            cleaned_data["published_at"] = now_to_the_second()
        return cleaned_data

    def apply_move(self, cleaned_data: dict) -> None:
        """The status (and date) the button pressed asks for, in ``cleaned_data``.

        "Publish now" dates the brief now, unless it has a date already
        passed (a brief published before keeps its first date); "Schedule…"
        needs a date to come. Whether the move is allowed is ``clean``'s
        question, asked of the status this leaves.
        """
        name = cleaned_data.get("move", "")
        if not name:
            return
        move = workflow.FORM_MOVES_BY_NAME.get(name)
        if move is None:
            raise forms.ValidationError("This form has no such button.", code="move")
        if move.to_status is not None:
            cleaned_data["status"] = move.to_status
        when = cleaned_data.get("published_at")
        now = now_to_the_second()
        if move.name == "publish" and (when is None or when > now):
            cleaned_data["published_at"] = now
        elif move.name == "unpublish" and when is not None and when > now:
            # Off its schedule: publishing it later publishes it then.
            cleaned_data["published_at"] = None
        elif move.name == "schedule" and (when is None or when <= now):
            field = "published_at" if "published_at" in self.fields else None
            if field not in self.errors:
                self.add_error(
                    field,
                    "To schedule the brief, choose a date and time to come, "
                    "then press “Schedule…” again.",
                )

    def check_date_keeps_its_side(self, cleaned_data: dict) -> None:
        """A save that keeps a brief published never moves it across "now".

        Only "Publish now", "Schedule…" and "Unpublish" take a brief on or off
        the site: a plain save of a scheduled brief with its date cleared or
        passed would publish it at once, and a live brief's save with a date
        to come would take it away from readers until then.
        """
        before = self.before
        if (
            before is None
            or self.restoring is not None
            or cleaned_data.get("move") in ("publish", "schedule", "unpublish")
            or before.status != Brief.Status.PUBLISHED
            or cleaned_data.get("status", before.status) != Brief.Status.PUBLISHED
            or "published_at" not in self.fields
            or "published_at" in self.errors
        ):
            return
        when = cleaned_data.get("published_at")
        now = now_to_the_second()
        if before.is_scheduled and (when is None or when <= now):
            self.add_error(
                "published_at",
                "This brief is scheduled. To publish it now, press “Publish now”; "
                "to reschedule it, choose a time to come and press “Reschedule…”.",
            )
        elif before.is_public and when is not None and when > now:
            self.add_error(
                "published_at",
                "This brief is live. To take it off the site until a later time, "
                "press “Unpublish”, then schedule it.",
            )

    def check_lead_image(self, cleaned_data: dict) -> None:
        """An image needs its alt text; removing the image removes its words too."""
        if "lead_image" not in self.fields or "lead_image_alt" not in self.fields:
            return
        image = cleaned_data.get("lead_image")
        if "lead_image" in self.errors:
            return
        if image is False or not (image or self.instance.lead_image):
            for name in ("lead_image_alt", "lead_image_caption", "lead_image_credit"):
                if name in cleaned_data:
                    cleaned_data[name] = ""
            return
        if not cleaned_data.get("lead_image_alt", "").strip():
            self.add_error(
                "lead_image_alt",
                "Describe the image for readers who cannot see it: what it "
                "shows, in a sentence.",
            )

    def check_change_kind(self, cleaned_data: dict) -> None:
        """A live brief that stays live: the editor says what kind of change this is."""
        kind = cleaned_data.get("change_kind")
        note = cleaned_data.get("change_note", "").strip()
        if not kind:
            self.add_error(
                "change_kind",
                "This brief is live: say whether this is a minor edit, an update "
                "or a correction.",
            )
        elif kind != versions.MINOR and not note:
            name = {value: name for value, name, _ in versions.CHANGE_KINDS}[kind]
            self.add_error(
                "change_note",
                f"Write the public note readers will see for this {name.lower()}.",
            )
        cleaned_data["change_note"] = note

    def check_version(self, loaded: int | None) -> None:
        current = self.restoring.current_version if self.restoring else None
        if current is None and self.before is not None:
            current = self.before.version
        if current is None or loaded == current:
            return
        latest = brief_versions(self.instance.pk).first()
        saver = latest.revision.user if latest else None
        if saver is not None and self.user is not None and saver.pk == self.user.pk:
            when = timezone.localtime(latest.revision.date_created)
            what = format_html(
                "You saved this brief in another tab or window (at {}) after "
                "opening this form",
                when.strftime("%H:%M:%S"),
            )
        elif saver is not None:
            what = format_html(
                "{} saved this brief while you were editing it", saver.get_username()
            )
        else:
            what = "This brief was changed (by an import or a bulk action) while you were editing it"
        compare = reverse("admin:briefs_brief_compare", args=[self.instance.pk])
        raise forms.ValidationError(
            format_html(
                "{}, so your changes have not been saved. They are still in this "
                'form: copy what you need, <a href="{}">see what changed</a>, then '
                '<a href="">reload the brief</a> and apply your changes again.',
                what,
                compare,
            ),
            code="stale",
        )


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "kind"]
        help_texts = {
            "slug": "The tag's address. After a change the old address redirects "
            "here; an address that redirected to another tag now shows this one.",
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = (
            Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        )
        if clash is not None:
            raise forms.ValidationError(
                "The tag “%(name)s” already exists (tag names ignore case). "
                "To combine the two, use “Merge selected tags…” in the tag list.",
                params={"name": clash.name},
            )
        return name


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep this tag",
        help_text="The other tags are merged into it and deleted; "
        "their addresses redirect to it.",
    )

    def __init__(self, *args, tags: QuerySet[Tag], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        field.queryset = tags
        field.label_from_instance = lambda tag: f"{tag.name} ({tag.get_kind_display()})"
