from django.core.management.base import BaseCommand

from shop.services.orders import expire_unpaid_orders


class Command(BaseCommand):
    help = "Cancel orders left unpaid or unverified past the payment window (for a crontab instead of qcluster)."

    def handle(self, *args, **options):
        cancelled = expire_unpaid_orders()
        self.stdout.write(f"{cancelled} pesanan dibatalkan karena melewati batas waktu.")
