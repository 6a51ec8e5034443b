from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from shop.core.backup import VENDOR_NAMES, BackupError, check_archive, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into an empty database and empty media folders "
        "(stop the web server and the worker first). Refuses, changing nothing, when the archive is "
        "damaged or from another database vendor, or when the target is not empty without --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar file made by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace everything the database holds, and media files of the same name",
        )
        parser.add_argument("--check", action="store_true", help="only check that the archive is whole")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias to restore into")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                manifest, checksums = check_archive(options["archive"])
            else:
                outcome = restore_backup(options["archive"], using=options["database"], force=options["force"])
                manifest = outcome.manifest
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] < 1:
            return
        made = f"dibuat {manifest['created_at']} dari database {VENDOR_NAMES[manifest['vendor']]}"
        if options["check"]:
            # Besides the media files the checksums cover the manifest and the database dump.
            self.stdout.write(f"Arsip utuh: {options['archive']}, {made}, {len(checksums) - 2} berkas media.")
            return
        self.stdout.write(f"Pemulihan selesai dari {outcome.path} ({made}).")
        self.stdout.write("Database: " + ", ".join(f"{label} {rows}" for label, rows in outcome.summary) + ".")
        self.stdout.write(
            f"Berkas: {outcome.files['media']} ke MEDIA_ROOT, {outcome.files['private_media']} ke PRIVATE_MEDIA_ROOT."
        )
        if outcome.kept:
            self.stdout.write(f"{outcome.kept} berkas lama yang tidak ada di arsip dibiarkan di folder media.")
        if outcome.pending_migrations:
            self.stdout.write(
                f"Kode ini punya {len(outcome.pending_migrations)} migrasi yang belum ada di arsip: "
                "jalankan `manage.py migrate`."
            )
        self.stdout.write("Jalankan lagi web server dan worker (systemctl start tokoku-web tokoku-worker).")
