"""Submitting admin forms as a browser would, through Django's test client."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from briefs.models import Brief


def change_url(brief: Brief) -> str:
    return reverse("admin:briefs_brief_change", args=[brief.pk])


def _field_data(bound_field) -> dict[str, str]:
    """What a browser would submit for one unchanged form field."""
    widget = bound_field.field.widget
    value = bound_field.value()
    if isinstance(widget, forms.CheckboxInput):
        return {bound_field.html_name: "on"} if value else {}
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list) else widget.decompress(value)
        return {
            f"{bound_field.html_name}{suffix}": sub.format_value(part) or ""
            for suffix, sub, part in zip(
                widget.widgets_names, widget.widgets, parts, strict=True
            )
        }
    formatted = widget.format_value(value)
    if isinstance(formatted, list):  # Select widgets
        formatted = formatted[0] if formatted else ""
    return {bound_field.html_name: formatted or ""}


def form_data(client, url: str) -> dict[str, str]:
    """GET an admin add/change form and return the POST data that saves it unchanged.

    Covers the brief's own form and, for each inline, the management form and
    every existing row, under the prefixes the page really uses.
    """
    response = client.get(url)
    assert response.status_code == 200
    data: dict[str, str] = {}
    for bound_field in response.context["adminform"].form:
        data.update(_field_data(bound_field))
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        formset = inline_admin_formset.formset
        for bound_field in formset.management_form:
            data[bound_field.html_name] = str(bound_field.value())
        for form in formset.forms:
            for bound_field in form:
                data.update(_field_data(bound_field))
    return data


def add_form_row(data: dict[str, str], prefix: str, **fields: str) -> None:
    """Append one new row to the inline formset ``prefix``, as "Add another" does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value


def assert_saved(response) -> None:
    """The admin redirects after a successful save; on errors it shows the form again."""
    if response.status_code != 302:
        context = response.context
        errors = [context["adminform"].form.errors] + [
            (f.formset.prefix, f.formset.errors, f.formset.non_form_errors())
            for f in context["inline_admin_formsets"]
        ]
        pytest.fail(f"Form did not save: {errors}")
