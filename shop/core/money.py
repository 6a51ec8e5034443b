def format_rupiah(amount):
    """Whole rupiah with dots between thousands, as Indonesian shoppers read prices: Rp 150.000."""
    if amount is None or amount == "":
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")
