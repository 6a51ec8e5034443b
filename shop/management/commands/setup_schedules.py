from django.core.management.base import BaseCommand
from django_q.models import Schedule

from shop.core.schedules import SCHEDULES, ensure_schedules


class Command(BaseCommand):
    help = "Create or update the shop's scheduled jobs (idempotent; migrate already does this)."

    def handle(self, *args, **options):
        ensure_schedules(Schedule)
        for spec in SCHEDULES:
            every = f"every {spec['minutes']} min" if "minutes" in spec else "daily"
            self.stdout.write(f"{spec['name']}: {spec['func']} {every}")
