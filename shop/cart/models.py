from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.catalog.variants import name_both


class Cart(models.Model):
    """A buyer's cart: an account's, or an anonymous session's until login merges it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("keranjang")
        verbose_name_plural = _("keranjang")

    def __str__(self):
        return f"Keranjang {self.user or self.session_key}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("shop.ProductVariant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartitem_one_row_per_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cartitem_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    def save(self, *args, **kwargs):
        name_both(self)
        super().save(*args, **kwargs)
