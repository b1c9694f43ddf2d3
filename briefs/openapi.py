"""The OpenAPI 3.1 document for the read-only API in ``briefs/api.py``.

Plain data, no Django: the API serves it at /api/openapi.json, and the tests
check its paths against the URLconf and real responses against its schemas.
The Brief schema is the export format (README, "export_briefs") plus ``url``
and ``updated_at``; add keys here when ``brief_to_dict`` gains them.
"""

from __future__ import annotations

from typing import Any


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


ETAG_HEADER = {
    "description": "A strong validator: a hash of the exact body. Send it back "
    "in If-None-Match to get a 304 when nothing has changed.",
    "schema": {"type": "string"},
}
CACHE_CONTROL_HEADER = {
    "description": "Always `no-cache`: revalidate with the ETag before reuse.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags from earlier responses (or `*`); a match gets a 304 "
    "with no body.",
    "schema": {"type": "string"},
}

SCHEMAS: dict[str, Any] = {
    "Section": {
        "type": "object",
        "description": "One section of a brief, in order.",
        "required": ["heading", "anchor", "body", "tags"],
        "additionalProperties": False,
        "properties": {
            "heading": _string("Empty for the opening section."),
            "anchor": _string(
                "The section's id on the brief page: `url` + `#` + anchor."
            ),
            "body": _string("CommonMark."),
            "tags": {
                "type": "array",
                "description": "The section's tag names, sorted case-insensitively.",
                "items": {"type": "string"},
            },
        },
    },
    "Source": {
        "type": "object",
        "description": "The source document an imported brief came from.",
        "required": ["path", "sha256"],
        "additionalProperties": False,
        "properties": {
            "path": _string(
                "Relative to the project for files inside it; only the file "
                "name for files outside it. Never an absolute path."
            ),
            "sha256": _string("Hex digest of the file as last imported."),
        },
    },
    "Correction": {
        "type": "object",
        "description": "A dated public note on a change to the published brief.",
        "required": ["kind", "note", "date"],
        "additionalProperties": False,
        "properties": {
            "kind": {
                "type": "string",
                "enum": ["update", "correction"],
                "description": "`update`: new information; `correction`: an "
                "error fixed.",
            },
            "note": _string("Plain text, for readers."),
            "date": _string(
                "ISO 8601 with offset: when the change was made public.",
                format="date-time",
            ),
        },
    },
    "Brief": {
        "type": "object",
        "description": "A published brief in the export_briefs format (see the "
        "README), plus `url` and `updated_at`. Keys may be added, never renamed "
        "or repurposed.",
        "required": [
            "slug",
            "title",
            "status",
            "dateline",
            "summary",
            "published_at",
            "source_name",
            "byline",
            "source_url",
            "key_points",
            "sections",
            "tags",
            "source",
            "version",
            "corrections",
            "url",
            "updated_at",
        ],
        "additionalProperties": False,
        "properties": {
            "slug": _string("Unique; the brief's address is built from it."),
            "title": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["published"],
                "description": "Always `published` here; exports also have "
                "draft, review and archived.",
            },
            "dateline": _string("May be empty."),
            "summary": _string("May be empty."),
            "published_at": _string(
                "ISO 8601 with offset. Never null here; null only in exports "
                "of briefs never published.",
                format="date-time",
            ),
            "source_name": _string("May be empty."),
            "byline": _string("May be empty."),
            "source_url": _string("An http or https URL, or empty."),
            "key_points": {
                "type": "array",
                "description": "In order.",
                "items": {"type": "string"},
            },
            "sections": {
                "type": "array",
                "description": "In order.",
                "items": {"$ref": "#/components/schemas/Section"},
            },
            "tags": {
                "type": "array",
                "description": "The brief's own tag names, sorted case-insensitively.",
                "items": {"type": "string"},
            },
            "source": {
                "description": "Null for briefs not imported from a file.",
                "oneOf": [
                    {"$ref": "#/components/schemas/Source"},
                    {"type": "null"},
                ],
            },
            "version": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "The current public version: 1 when first "
                "published, one more for each publication again, update or "
                "correction (minor edits make none). Never null here; null "
                "only in exports of briefs never published. Version N is "
                "readable at `url` + `versions/N/`.",
            },
            "corrections": {
                "type": "array",
                "description": "Updates and corrections made public, oldest first.",
                "items": {"$ref": "#/components/schemas/Correction"},
            },
            "url": _string("The brief's public page, absolute.", format="uri"),
            "updated_at": _string(
                "ISO 8601 with offset: the latest of the brief's last save (minor "
                "edits too), its publication time and its latest update or "
                "correction. What `updated_since` compares with.",
                format="date-time",
            ),
        },
    },
    "BriefPage": {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "additionalProperties": False,
        "properties": {
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "Briefs matching the filters, on all pages.",
            },
            "next": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "Absolute URL of the next page, filters kept; "
                "null on the last.",
            },
            "previous": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "Absolute URL of the previous page; null on the first.",
            },
            "results": {
                "type": "array",
                "description": "Newest published first.",
                "items": {"$ref": "#/components/schemas/Brief"},
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["parameter", "message"],
                "additionalProperties": False,
                "properties": {
                    "parameter": {
                        "type": ["string", "null"],
                        "description": "The query parameter at fault; null "
                        "when the error is not about one.",
                    },
                    "message": _string("For people: what was wrong."),
                },
            }
        },
    },
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        },
    }


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        **_json(schema, description),
        "headers": {"ETag": ETAG_HEADER, "Cache-Control": CACHE_CONTROL_HEADER},
    }


NOT_MODIFIED = {
    "description": "Not modified: If-None-Match matched the current ETag. No body.",
    "headers": {"ETag": ETAG_HEADER},
}
NOT_ALLOWED = {
    **_json("Error", "Only GET and HEAD are allowed, with or without a CSRF token."),
    "headers": {
        "Allow": {"description": "Always `GET, HEAD`.", "schema": {"type": "string"}}
    },
}
BAD_PARAMETER = "A parameter is malformed, unknown or repeated; `parameter` names it."


def openapi_document(*, page_size: int) -> dict[str, Any]:
    """The whole OpenAPI document, for a list with ``page_size`` briefs a page."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Newsroom API",
            "version": "1.0.0",
            "description": "Read-only access to published policy briefs, in the "
            "export_briefs format. Drafts and scheduled briefs never appear. "
            "Every parameter problem is a 400 with an Error body (a query "
            "string with a NUL byte or that is not UTF-8 too); every 200 has "
            "an ETag that If-None-Match turns into a 304.",
        },
        "paths": {
            "/api/briefs/": {
                "get": {
                    "operationId": "listBriefs",
                    "summary": "Published briefs, newest first, a page at a time",
                    "parameters": [
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "description": f"From 1; {page_size} briefs a page. "
                            "A page past the last is a 400 (page 1 of an empty "
                            "list is an empty page).",
                            "schema": {"type": "integer", "minimum": 1, "default": 1},
                        },
                        {
                            "name": "tag",
                            "in": "query",
                            "required": False,
                            "description": "A tag's slug: briefs that carry the tag "
                            "themselves or in any section. A slug no published "
                            "brief uses gives an empty list, not an error.",
                            "schema": {"type": "string", "minLength": 1},
                        },
                        {
                            "name": "updated_since",
                            "in": "query",
                            "required": False,
                            "description": "ISO 8601 date or date-time: briefs "
                            "whose `updated_at` is at or after it, so a brief "
                            "updated or corrected since is included. A date is "
                            "midnight UTC; a date-time without offset is UTC. "
                            "Encode a `+` offset as `%2B`. Offsets up to ±23:59; "
                            "a moment that is before year 1 or after 9999 in UTC "
                            "is a 400.",
                            "schema": {"type": "string"},
                            "examples": {
                                "date": {"value": "2025-03-14"},
                                "dateTime": {"value": "2025-03-14T09:30:00Z"},
                                "offset": {"value": "2025-03-14T11:30:00+02:00"},
                            },
                        },
                        IF_NONE_MATCH,
                    ],
                    "responses": {
                        "200": _ok("BriefPage", "A page of briefs."),
                        "304": NOT_MODIFIED,
                        "400": _json("Error", BAD_PARAMETER),
                        "405": NOT_ALLOWED,
                    },
                }
            },
            "/api/briefs/{slug}/": {
                "get": {
                    "operationId": "getBrief",
                    "summary": "One published brief",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        IF_NONE_MATCH,
                    ],
                    "responses": {
                        "200": _ok("Brief", "The brief."),
                        "304": NOT_MODIFIED,
                        "400": _json(
                            "Error", "This endpoint takes no query parameters."
                        ),
                        "404": _json(
                            "Error",
                            "No published brief has this slug: it does not exist, "
                            "is a draft, or is scheduled for later.",
                        ),
                        "405": NOT_ALLOWED,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "parameters": [IF_NONE_MATCH],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "headers": {"ETag": ETAG_HEADER},
                            "content": {
                                "application/json": {"schema": {"type": "object"}}
                            },
                        },
                        "304": NOT_MODIFIED,
                        "400": _json(
                            "Error", "The query string has a NUL byte or is not UTF-8."
                        ),
                        "405": NOT_ALLOWED,
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
