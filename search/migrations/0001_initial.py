"""Synonyms, and on PostgreSQL the pg_trgm extension and the indexes product search reads (backends/postgres.py).

On SQLite and MariaDB only the synonym table is made: TrigramExtension does nothing there, nor do the indexes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from search.backends.postgres import create_indexes_sql, drop_indexes_sql


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in create_indexes_sql():
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in drop_indexes_sql():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("shop", "0015_tracking_and_completion")]

    operations = [
        migrations.CreateModel(
            name="Synonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "words",
                    models.CharField(
                        help_text="Pisahkan dengan koma, misalnya: hijab, jilbab, kerudung. Pencarian salah satunya menemukan semuanya.",
                        max_length=255,
                        verbose_name="kata-kata",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="diubah")),
            ],
            options={"verbose_name": "sinonim", "verbose_name_plural": "sinonim", "ordering": ["words"]},
        ),
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
