from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from shop.core.backup import VENDOR_NAMES, BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT into one archive that only its owner can "
        "read (mode 0600; it holds customers' data). Exits with 0 only when the archive is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="the archive's file name, or an existing folder to put tokoku-YYYYMMDD-HHMMSS.tar in "
            "(the shop's time, Asia/Jakarta). Default: that name in the current folder.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias to back up")

    def handle(self, *args, **options):
        try:
            outcome = create_backup(options["output"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] < 1:
            return
        tables = outcome.manifest["tables"]
        counts = ", ".join(f"{label} {rows}" for label, rows in outcome.summary)
        self.stdout.write(f"Cadangan selesai: {outcome.path} ({outcome.path.stat().st_size / 1_000_000:.1f} MB).")
        self.stdout.write(
            f"Database {VENDOR_NAMES[outcome.manifest['vendor']]}: {len(tables)} tabel, "
            f"{sum(tables.values())} baris ({counts})."
        )
        self.stdout.write(
            f"Berkas: {outcome.files['media']} dari MEDIA_ROOT, {outcome.files['private_media']} dari PRIVATE_MEDIA_ROOT."
        )
