"""A new brief from a document, in the admin.

Two steps, neither needing JavaScript. The editor sends a file or pasted text
and sees what the importer makes of it, with nothing written; the preview
page carries the document on, compressed in a hidden field, beside a signed
token naming its source and its SHA-256. Sending that form creates the
draft with the same importer as ``import_seeds``. The token is checked
against the document sent back, so what is created is what was previewed,
under the source name the server chose; sending it twice finds the brief
the first sending made.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from briefs.control_chars import visible
from briefs.editorial import workflow
from briefs.ingest.documents import SUFFIXES
from briefs.ingest.importing import (
    Importer,
    ImportOptions,
    ImportResult,
    Outcome,
    Preview,
)
from briefs.ingest.records import record_import
from briefs.markdown import render_markdown
from briefs.models import Brief, ImportRecord

# A preview may sit in a browser tab for a while, not for days.
TOKEN_MAX_AGE = 24 * 60 * 60
TOKEN_SALT = "briefs.admin.importing"
# A file's name, with the words and time around it, fits a status change's
# note ("Imported from …", 200 characters) whole.
MAX_NAME_LENGTH = 120
STALE = (
    "This preview has expired or was altered. Preview the document again "
    "before creating the brief."
)
CHANGED = (
    "The document sent back is not the one previewed. Preview it again "
    "before creating the brief."
)


@dataclass(frozen=True)
class Document:
    """A document as sent: the source name a brief would record, its bytes,
    and the file name whose suffix says how to read them."""

    source_path: str
    data: bytes
    name: str


# Pasted text is read as a text file is (its front matter may say it is Markdown).
PASTED_NAME = "pasted.txt"


def _now() -> str:
    return timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def uploaded_source(name: str, data: bytes) -> str:
    """The source name of an uploaded file: its name, made visible and cut
    short, when it came and the start of its SHA-256 (two documents sent
    in the same second never share a source)."""
    shown = visible(name)
    if len(shown) > MAX_NAME_LENGTH:
        shown = f"{shown[: MAX_NAME_LENGTH - 1]}…"
    return f"{shown}, uploaded {_now()}, {_short_sha(data)}"


def pasted_source(data: bytes) -> str:
    """The source name of pasted text: there is no file, so when it came,
    and the start of its SHA-256."""
    return f"pasted text, {_now()}, {_short_sha(data)}"


def _short_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


class DocumentForm(forms.Form):
    """A file or pasted text; one of the two."""

    file = forms.FileField(
        label="Upload a file",
        required=False,
        allow_empty_file=True,
        help_text="Plain text (.txt), Markdown (.md), a saved web page (.html) "
        "or a Word file (.docx), up to "
        f"{settings.NEWSROOM_IMPORT_MAX_BYTES / (1024 * 1024):g} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    text = forms.CharField(
        label="Or paste the text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Read as a plain-text file is: front matter or lines such as "
        "“Title:” and “Tags:” at the top, then a “Key points” list, then the "
        "story; a short line of its own is a heading. Front matter saying "
        "“format: markdown” makes it Markdown.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, text = data.get("file"), data.get("text", "")
        if upload is not None and text:
            raise forms.ValidationError(
                "Upload a file or paste text, not both.", code="both"
            )
        if upload is None and not text:
            raise forms.ValidationError(
                "Upload a file or paste the text of a document.", code="none"
            )
        return data

    def document(self) -> Document:
        """The document sent, read no further than one byte past the import limit."""
        upload = self.cleaned_data["file"]
        if upload is None:
            # Browsers send a textarea's line ends as \r\n; the text's own are \n.
            text = self.cleaned_data["text"].replace("\r\n", "\n")
            data = text.encode("utf-8")
            return Document(pasted_source(data), data, PASTED_NAME)
        data = upload.read(settings.NEWSROOM_IMPORT_MAX_BYTES + 1)
        name = upload.name or "unnamed file"
        return Document(uploaded_source(name, data), data, name)


def pack(data: bytes) -> str:
    """``data`` compressed for a hidden field (text compresses well, so a
    document at the import limit stays under Django's limit on a form)."""
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def unpack(packed: str) -> bytes | None:
    """The bytes ``pack`` made, or None for anything else, decompressing
    no further than one byte past the import limit."""
    limit = settings.NEWSROOM_IMPORT_MAX_BYTES
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(packed, validate=True), limit + 1)
    except (binascii.Error, ValueError, zlib.error):
        return None
    if len(data) > limit or inflater.unconsumed_tail or not inflater.eof:
        return None
    return data


class ConfirmForm(forms.Form):
    """The previewed document, sent back to be created: the packed document
    and the token that says what it was and for whom."""

    document = forms.CharField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    @classmethod
    def carrying(cls, preview: Preview, data: bytes, *, name: str, user) -> ConfirmForm:
        token = signing.dumps(
            {
                "source": preview.source_path,
                "name": name,
                "sha256": preview.sha256,
                "user": user.pk,
            },
            salt=TOKEN_SALT,
        )
        return cls(initial={"document": pack(data), "token": token}, user=user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            raise forms.ValidationError(STALE, code="stale")
        try:
            signed = signing.loads(
                data["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(STALE, code="stale") from None
        if signed.get("user") != self.user.pk:
            raise forms.ValidationError(STALE, code="stale")
        document = unpack(data["document"])
        sha256 = hashlib.sha256(document).hexdigest() if document is not None else ""
        if sha256 != signed["sha256"]:
            raise forms.ValidationError(CHANGED, code="changed")
        data["signed"] = Document(
            signed["source"], document, signed.get("name", PASTED_NAME)
        )
        return data


def import_options(user) -> ImportOptions:
    """An import from the admin: a new draft by ``user``, never an update of
    another brief; new tags from the document only for those who create tags,
    and the document's date only for those who date briefs (editors)."""
    return ImportOptions(
        publish=False,
        create_only=True,
        new_tags=user.has_perm("briefs.add_tag"),
        new_authors=user.has_perm("briefs.add_author"),
        dated=workflow.can_publish(user),
        user=user,
    )


def shown_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as the preview shows it: each section's body rendered as
    readers get it, and each brief tag marked when the tagger proposed it."""
    proposed = set(plan["proposed_tags"])
    return {
        **plan,
        "sections": [
            # The readers' renderer: raw HTML in a body comes out as text.
            {**section, "html": mark_safe(render_markdown(section["body"]))}
            for section in plan["sections"]
        ],
        "tags": [
            {
                "name": name,
                "proposed": name in proposed,
                "reason": plan["tag_reasons"].get(name, ""),
            }
            for name in plan["tags"]
        ],
    }


class ImportFromDocument:
    """The brief admin's import page: an upload or a paste, previewed as the
    importer reads it, then created as a draft by whoever sent it."""

    import_template = "admin/briefs/brief/import.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="briefs_brief_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """The empty form (GET), a preview (a document POSTed) or the new
        draft (a previewed document POSTed back with its token)."""
        reason = workflow.refusal(request.user, None, to_status=Brief.Status.DRAFT)
        if reason is not None:
            raise PermissionDenied(reason)
        if request.method == "POST" and "token" in request.POST:
            return self._create(request)
        form = DocumentForm(request.POST or None, request.FILES or None)
        if not form.is_bound or not form.is_valid():
            return self._page(request, form)
        document = form.document()
        importer = Importer(import_options(request.user))
        preview = importer.preview(
            document.source_path, document.data, name=document.name
        )
        return self._page(request, form, preview=preview, document=document)

    def _create(self, request: HttpRequest) -> HttpResponse:
        """Create the previewed document's draft and open it; or say why not."""
        confirm = ConfirmForm(request.POST, user=request.user)
        if not confirm.is_valid():
            return self._page(
                request, DocumentForm(), errors=confirm.non_field_errors()
            )
        document = confirm.cleaned_data["signed"]
        importer = Importer(import_options(request.user))
        result = importer.document(
            document.source_path, document.data, name=document.name
        )
        record_import([result], user=request.user, via=ImportRecord.Via.ADMIN)
        brief = Brief.objects.filter(source_path=result.path).first()
        if result.outcome not in (Outcome.CREATED, Outcome.UNCHANGED) or brief is None:
            return self._page(request, DocumentForm(), failure=_failure(result))
        if result.outcome is Outcome.CREATED:
            self.message_user(
                request,
                f"Created the draft “{brief.title}” from {document.source_path}. "
                "Check it, then save it or submit it for review.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"This document was imported already, as the brief “{brief.title}”.",
                messages.INFO,
            )
        return HttpResponseRedirect(
            reverse("admin:briefs_brief_change", args=[brief.pk])
        )

    def _page(
        self,
        request: HttpRequest,
        form: DocumentForm,
        *,
        preview: Preview | None = None,
        document: Document | None = None,
        errors=(),
        failure: str = "",
    ) -> TemplateResponse:
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": "New brief from a document",
            "form": form,
            "errors": errors,
            "failure": failure or (preview.failure if preview else ""),
            "preview": preview,
        }
        if preview is not None and preview.plan is not None:
            context |= {
                "plan": shown_plan(preview.plan),
                "confirm": ConfirmForm.carrying(
                    preview, document.data, name=document.name, user=request.user
                ),
                "same_content": Brief.objects.filter(source_sha256=preview.sha256)
                .only("pk", "title")
                .first(),
            }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.import_template, context)


def _failure(result: ImportResult) -> str:
    return result.detail or f"the import was {result.outcome.value}"
