"""Product variants: the model, option names on products, and a nullable variant on every line (filled by 0018)."""

import django.core.validators
import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0016_posthog_channel"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="option1_name",
            field=models.CharField(
                blank=True,
                help_text="Misalnya Warna. Kosongkan bila produk tanpa varian.",
                max_length=30,
                verbose_name="jenis pilihan 1",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="option2_name",
            field=models.CharField(
                blank=True, help_text="Misalnya Ukuran.", max_length=30, verbose_name="jenis pilihan 2"
            ),
        ),
        migrations.CreateModel(
            name="ProductVariant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                ("sku", models.CharField(max_length=64, unique=True, verbose_name="SKU")),
                (
                    "option1",
                    models.CharField(
                        blank=True, help_text="Misalnya: Hitam, Navy.", max_length=50, verbose_name="pilihan 1"
                    ),
                ),
                (
                    "option2",
                    models.CharField(
                        blank=True, help_text="Misalnya: S, M, L.", max_length=50, verbose_name="pilihan 2"
                    ),
                ),
                (
                    "price",
                    models.PositiveBigIntegerField(
                        help_text="Kosongkan untuk harga produk.",
                        validators=[django.core.validators.MaxValueValidator(999999999999)],
                        verbose_name="harga (Rp)",
                    ),
                ),
                ("weight_grams", models.PositiveIntegerField(default=0, verbose_name="berat (gram)")),
                ("stock", models.IntegerField(default=0, editable=False, verbose_name="stok")),
                ("is_active", models.BooleanField(default=True, verbose_name="aktif")),
                (
                    "product",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
                        to="shop.product",
                        verbose_name="produk",
                    ),
                ),
            ],
            options={
                "verbose_name": "varian",
                "verbose_name_plural": "varian",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="cartitem",
            name="variant",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="shop.productvariant"
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="variant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="shop.productvariant",
                verbose_name="varian",
            ),
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="variant",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
                to="shop.productvariant",
                verbose_name="varian",
            ),
        ),
        migrations.AddConstraint(
            model_name="productvariant",
            constraint=models.CheckConstraint(
                condition=models.Q(("stock__gte", 0)), name="productvariant_stock_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="productvariant",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__lte", 999999999999)), name="productvariant_price_in_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="productvariant",
            constraint=models.UniqueConstraint(
                fields=("product", "option1", "option2"), name="productvariant_one_per_options"
            ),
        ),
    ]
