"""Tag names are case-insensitive in every script, in the database itself."""

import pytest
from django.db import IntegrityError, transaction

from briefs.models import Brief, Tag
from briefs.sqlite import _like

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "second"),
    [("China", "china"), ("Україна", "УКРАЇНА"), ("Ελλάδα", "ΕΛΛΆΔΑ")],
)
def test_the_database_refuses_a_name_that_differs_only_in_case(first, second):
    Tag.objects.create(name=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name=second, slug="another-slug")


def test_iexact_and_icontains_fold_non_latin_letters():
    Tag.objects.create(name="Україна")
    assert Tag.objects.filter(name__iexact="УКРАЇНА").count() == 1
    assert Tag.objects.filter(name__icontains="КРАЇ").count() == 1
    assert Brief.objects.filter(title__icontains="ї").count() == 0


@pytest.mark.parametrize(
    ("pattern", "value", "escape", "expected"),
    [
        ("abc", "ABC", None, True),
        ("a%c", "aXYZc", None, True),
        ("a_c", "abc", None, True),
        ("a_c", "abbc", None, False),
        ("100\\%", "100%", "\\", True),
        ("100\\%", "1000", "\\", False),
        ("snake\\_case", "snakeXcase", "\\", False),
        ("%ЇНА", "Україна", None, True),
        ("a.c", "abc", None, False),
    ],
)
def test_like_keeps_sql_semantics(pattern, value, escape, expected):
    assert _like(pattern, value, escape) is expected
