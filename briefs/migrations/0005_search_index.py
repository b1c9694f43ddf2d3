"""Full-text search: the entries, and each database's own index over them.

SQLite: an external-content FTS5 table over briefs_searchentry, kept in step
by triggers. PostgreSQL: a generated, weighted tsvector column with a GIN
index, using a text search configuration that ignores accents.

A later migration that alters SearchEntry must keep these in place: on SQLite
Django rebuilds an altered table, which drops its triggers (create them
again, then run rebuild_search_index); on PostgreSQL a column the generated
column reads cannot change type until that column is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models

from briefs.search import KEY_POINT_SEPARATOR, clean_text, plain_text

COLUMNS = "title, key_points, heading, body"
SQLITE_INSTALL = [
    """
    CREATE VIRTUAL TABLE briefs_searchentry_fts USING fts5(
        title, key_points, heading, body,
        content='briefs_searchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER briefs_searchentry_fts_insert AFTER INSERT ON briefs_searchentry
    BEGIN
        INSERT INTO briefs_searchentry_fts (rowid, {COLUMNS})
        VALUES (new.id, new.title, new.key_points, new.heading, new.body);
    END
    """,
    f"""
    CREATE TRIGGER briefs_searchentry_fts_delete AFTER DELETE ON briefs_searchentry
    BEGIN
        INSERT INTO briefs_searchentry_fts (briefs_searchentry_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.title, old.key_points, old.heading, old.body);
    END
    """,
    f"""
    CREATE TRIGGER briefs_searchentry_fts_update AFTER UPDATE ON briefs_searchentry
    BEGIN
        INSERT INTO briefs_searchentry_fts (briefs_searchentry_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, old.title, old.key_points, old.heading, old.body);
        INSERT INTO briefs_searchentry_fts (rowid, {COLUMNS})
        VALUES (new.id, new.title, new.key_points, new.heading, new.body);
    END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS briefs_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS briefs_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS briefs_searchentry_fts_insert",
    "DROP TABLE IF EXISTS briefs_searchentry_fts",
]

# Title, heading, key points, body: most to least weight.
WEIGHTS = [("title", "A"), ("heading", "B"), ("key_points", "C"), ("body", "D")]
# "<" becomes a private-use character first: PostgreSQL's parser would take
# "<script>" in a brief's text for an HTML tag and skip it, unsearchable.
# briefs.search gives ts_headline the same text and turns it back into "<".
VECTOR = (
    "setweight(to_tsvector('newsroom_search'::regconfig, "
    "replace({column}, '<', U&'\\E002')), '{weight}')"
)

# unaccent is a trusted extension (PostgreSQL 13+): the database's owner may
# create it. English stemming after unaccent, so "communique" finds "communiqué".
POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'newsroom_search') THEN
            CREATE TEXT SEARCH CONFIGURATION newsroom_search (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION newsroom_search
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END
    $$
    """,
    f"""
    ALTER TABLE briefs_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        {" || ".join(VECTOR.format(column=column, weight=weight) for column, weight in WEIGHTS)}
    ) STORED
    """,
    "CREATE INDEX briefs_searchentry_document ON briefs_searchentry USING gin (document)",
]
POSTGRES_REMOVE = [
    "DROP INDEX IF EXISTS briefs_searchentry_document",
    "ALTER TABLE briefs_searchentry DROP COLUMN IF EXISTS document",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsroom_search",
]


def _run(schema_editor, statements):
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def install_index(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL})


def remove_index(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE})


def index_existing_briefs(apps, schema_editor):
    """Entries for the briefs already there, as briefs.search writes them."""
    Brief = apps.get_model("briefs", "Brief")
    SearchEntry = apps.get_model("briefs", "SearchEntry")
    entries = []
    briefs = Brief.objects.order_by("pk").prefetch_related("key_points", "sections")
    for brief in briefs.iterator(chunk_size=200):
        common = {
            "brief_id": brief.pk,
            "title": clean_text(brief.title),
            "key_points": KEY_POINT_SEPARATOR.join(
                clean_text(point.text)
                for point in sorted(brief.key_points.all(), key=lambda p: (p.position, p.pk))
            ),
        }
        sections = sorted(brief.sections.all(), key=lambda s: (s.position, s.pk))
        if not sections:
            entries.append(SearchEntry(**common))
        entries.extend(
            SearchEntry(
                **common,
                section_id=section.pk,
                position=section.position,
                heading=clean_text(section.heading),
                body=plain_text(section.body),
            )
            for section in sections
        )
        if len(entries) >= 500:
            SearchEntry.objects.bulk_create(entries)
            entries = []
    SearchEntry.objects.bulk_create(entries)


class Migration(migrations.Migration):

    dependencies = [
        ('briefs', '0004_writers_and_editors_groups'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(default=0)),
                ('title', models.TextField()),
                ('key_points', models.TextField(blank=True)),
                ('heading', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('brief', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='briefs.brief')),
                ('section', models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='briefs.section')),
            ],
            options={
                'verbose_name': 'search entry',
                'verbose_name_plural': 'search entries',
            },
        ),
        migrations.RunPython(install_index, remove_index),
        migrations.RunPython(index_existing_briefs, migrations.RunPython.noop),
    ]
