"""What the shop's admin viewsets share."""

from wagtail.admin.ui.tables import Column

from shop.core.money import format_rupiah
from shop.imports.spreadsheets import csv_cell

NO_EDIT_URLS = (
    "add_url_name",
    "edit_url_name",
    "delete_url_name",
    "copy_url_name",
    "history_url_name",
    "usage_url_name",
)


class ReadOnlyViewSetMixin:
    """For rows only the services write (orders, notifications): the views link to no add, edit,
    delete, copy, history or usage page, and the viewset's get_urlpatterns serves none."""

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(dict.fromkeys(NO_EDIT_URLS))
        return view_kwargs


class RupiahColumn(Column):
    """An amount in whole rupiah, shown as buyers read it: Rp 150.000."""

    def get_value(self, instance):
        return format_rupiah(super().get_value(instance))


class SafeSpreadsheetExportMixin:
    """For an index view with Wagtail's "Download CSV": text a buyer or editor typed is written as
    the product import's files write it (`csv_cell`), so opening the file runs no formula.
    Wagtail's XLSX already stores such text as text."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return csv_cell(value) if export_format == self.FORMAT_CSV else value
