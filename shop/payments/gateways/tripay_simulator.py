"""A stand-in for TriPay while developing without an account (DEBUG on, no TriPay keys).

It answers like TriPay's sandbox: three channels, transactions with a pay code or a QR string,
and instructions. Paying is done with the "Simulasikan pembayaran" button on the buyer's order
page, which posts a callback signed with DEVELOPMENT_PRIVATE_KEY to the shop's real callback
endpoint. It is never used when DEBUG is off.
"""

import hashlib
from decimal import Decimal

from shop.integrations.tripay import Channel, Fee, Instruction, Transaction

# Signs the simulated callbacks; accepted only while simulating (see tripay.private_key).
DEVELOPMENT_PRIVATE_KEY = "tokoku-development-only-not-a-tripay-key"

CHANNELS = (
    ("E-Wallet", "QRIS", "QRIS", 750, "0.70"),
    ("Virtual Account", "BRIVA", "BRI Virtual Account", 4250, "0.00"),
    ("Convenience Store", "ALFAMART", "Alfamart", 3500, "0.00"),
)


class SimulatedClient:
    def payment_channels(self):
        return [
            Channel(
                group=group,
                code=code,
                name=name,
                type="direct",
                fee_merchant=Fee(0, Decimal("0")),
                fee_customer=Fee(flat, Decimal(percent)),
                total_fee=Fee(flat, Decimal(percent)),
                minimum_fee=None,
                maximum_fee=None,
                minimum_amount=10_000,
                maximum_amount=5_000_000 if code == "ALFAMART" else 100_000_000,
                icon_url="",
                active=True,
            )
            for group, code, name, flat, percent in CHANNELS
        ]

    def create_transaction(self, *, method, merchant_ref, amount, order_items, expired_time, **_buyer_and_urls):
        group, code, name, flat, percent = next(channel for channel in CHANNELS if channel[1] == method)
        fee = flat + -(-amount * int(Decimal(percent) * 100) // 10_000)
        digest = hashlib.sha256(merchant_ref.encode()).hexdigest()
        qris = code == "QRIS"
        return Transaction(
            reference=f"DEV-{digest[:12].upper()}",
            merchant_ref=merchant_ref,
            payment_method=code,
            payment_name=name,
            amount=amount + fee,
            fee_merchant=0,
            fee_customer=fee,
            total_fee=fee,
            amount_received=amount,
            pay_code="" if qris else str(int(digest[:14], 16))[:16],
            pay_url="",
            checkout_url="",
            status="UNPAID",
            expired_time=expired_time,
            # Not a real QRIS payload (no merchant behind it): enough to draw and scan in development.
            qr_string=f"SIMULASI-QRIS-TOKOKU-{merchant_ref}-{amount + fee}" if qris else "",
            qr_url="",
            instructions=(
                Instruction(
                    "Simulasi pembayaran",
                    (
                        "Ini mode pengembangan: tidak ada uang yang berpindah.",
                        "Tekan <b>Simulasikan pembayaran</b> di halaman pesanan untuk mengirim callback TriPay.",
                    ),
                ),
            ),
            paid_at=None,
        )

    def transaction_detail(self, reference):
        # The simulator keeps no state: a transaction it is asked about has not been paid through it.
        raise NotImplementedError("the simulator is paid through its callback button only")
