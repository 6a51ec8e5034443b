def format_rupiah(amount):
    """Whole rupiah with dots between thousands, as Indonesian shoppers read prices: Rp 150.000."""
    if amount is None or amount == "":
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def discount_percent(compare_at_price, price):
    """The whole-percent cut a struck-out earlier price shows ("-20%"); 0 when there is none."""
    if compare_at_price and compare_at_price > price:
        return round(100 * (compare_at_price - price) / compare_at_price)
    return 0
