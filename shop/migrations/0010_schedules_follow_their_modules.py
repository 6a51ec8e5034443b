from django.db import migrations


def update_schedules(apps, schema_editor):
    # Scheduled jobs name their function by dotted path; shop/ was rearranged by domain.
    from shop.core.schedules import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0009_import_cleanup_schedule")]

    operations = [migrations.RunPython(update_schedules, migrations.RunPython.noop)]
