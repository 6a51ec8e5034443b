from django.db import migrations


def create_schedules(apps, schema_editor):
    from shop.schedules import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_leaner_order_indexes")]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
