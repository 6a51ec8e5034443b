"""Every change of an order's status goes through one function here (see ARCHITECTURE.md).

CONTRACT (other engineers' views and admin queues call these; keep the signatures):

    place_order(user, *, items, address, shipping, payment_method="bank_transfer") -> Order
        items:    list of dicts {"product_id": int, "quantity": int, "unit_price": int}
                  (unit_price = the price the buyer saw; a different current price raises
                  PriceChanged(OrderError) naming the products; an inactive or out-of-stock
                  product, or a quantity above current stock, raises OrderError with a message)
        address:  dict recipient_name, phone, email, province, city, district, postal_code, street
        shipping: dict courier, service, cost (int rupiah)
        Takes NO stock. Number TK-YYYYMMDD-NNNN from shop.models.DailyOrderCounter (row-locked),
        unique code 1..999 added to the total when PaymentSettings.use_unique_code, status
        pending_payment, payment_deadline = now + settings.PAYMENT_WINDOW_HOURS, lines copy
        sku/name/price/weight, first OrderEvent ("" -> pending_payment).
    submit_payment_proof(order, actor, uploaded_file) -> PaymentProof
        Validates the file BY CONTENT (JPEG/PNG/PDF magic bytes, <= 5 MB) and raises
        OrderError with an Indonesian message otherwise; allowed in pending_payment;
        -> waiting_verification.
    confirm_payment(order, actor) -> Order            waiting_verification|pending_payment -> processed
    reject_payment(order, actor, reason) -> Order     waiting_verification -> pending_payment
    ship_order(order, actor, courier, tracking_number) -> Order   processed -> shipped
    complete_order(order, actor) -> Order             shipped -> completed
    cancel_order(order, actor, reason) -> Order       pending_payment|waiting_verification|processed -> cancelled
    expire_unpaid_orders(now=None) -> int             batches; system actor (None)

`order` may be an Order or its primary key. Each re-reads the order under a row lock
(select_for_update), checks the transition, writes an OrderEvent, and raises InvalidTransition
(or another OrderError) with a clear Indonesian message when not allowed. Repeated confirm of an
already processed order is a no-op (returns the order, decrements nothing).
"""

from .errors import InsufficientStock, InvalidTransition, OrderError, Shortage  # noqa: F401

# TODO: implementation (owner: the order-services engineer).
