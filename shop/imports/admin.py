"""The "Impor Produk" screen in the Wagtail admin: template, upload, preview, confirm, result;
and the export of (filtered) products in the same format.

Only users holding `shop.import_products` may import; the export needs `shop.view_product`, the
permission that shows the product listing it is linked from.
"""

import tempfile
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from shop.catalog.filters import ProductFilterSet
from shop.catalog.models import Product, ProductVariant
from shop.imports import jobs as product_import
from shop.imports import pictures, template
from shop.imports.columns import COLUMNS, HEADERS, accepted_names
from shop.imports.models import ProductImport
from shop.imports.progress import read_progress
from shop.imports.report import ERROR, NEW, STATUS_LABELS, UNCHANGED, UPDATE, report_rows
from shop.imports.resource import ProductResource
from shop.imports.spreadsheets import CONTENT_TYPES, CSV, SpreadsheetError, write_csv, write_xlsx

IMPORT_PERMISSION = "shop.import_products"
EXPORT_PERMISSION = "shop.view_product"
PAGE_SIZE = 100
RUPIAH_FORMAT = '"Rp" #,##0'
COLUMN_WIDTHS = [16, 36, 20, 14, 14, 13, 9, 9, 60, 14, 16, 14, 16, 14, 40]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas produk"),
        help_text=gettext_lazy("Excel (.xlsx) atau CSV, dengan kolom seperti di templat."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    pictures = forms.FileField(
        label=gettext_lazy("Gambar produk (.zip, opsional)"),
        required=False,
        help_text=gettext_lazy(
            "Satu .zip berisi foto JPEG, PNG atau WebP; kolom Gambar di berkas produk menyebut nama berkasnya."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    create_categories = forms.BooleanField(
        label=gettext_lazy("Buat kategori yang belum ada"),
        required=False,
        help_text=gettext_lazy("Tanpa centang ini, baris dengan kategori yang belum ada ditolak."),
    )

    def clean_pictures(self):
        upload = self.cleaned_data["pictures"]
        if upload:
            try:
                pictures.check_archive(upload)
            except pictures.ArchiveError as refusal:
                raise ValidationError(str(refusal)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        if "file" in cleaned:
            # A .zip refused above still counts as given: "Gambar without a .zip" would mislead.
            with_pictures = bool(cleaned.get("pictures") or self.files.get("pictures"))
            try:
                self.row_count = product_import.check_upload(cleaned["file"], with_pictures=with_pictures)
            except (SpreadsheetError, product_import.ImportRefused) as refusal:
                self.add_error("file", ValidationError(str(refusal)))
        return cleaned


class ImportPermissionMixin:
    permission = IMPORT_PERMISSION

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class ImportPage(ImportPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "upload"
    page_title = gettext_lazy("Impor Produk")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": reverse("shop_product_import:index"), "label": _("Impor Produk")}]


class ImportIndexView(ImportPage):
    template_name = "shop/admin/import/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["recent_imports"] = ProductImport.objects.select_related("created_by")[:10]
        context["columns"] = [(column, accepted_names(column)) for column in COLUMNS]
        context["max_rows"] = product_import.MAX_ROWS
        context["max_megabytes"] = product_import.MAX_BYTES // 1048576
        context["pictures_limits"] = {
            "picture": pictures.MAX_PICTURE_BYTES // 1048576,
            "per_product": pictures.MAX_PER_PRODUCT,
            "archive": pictures.MAX_ARCHIVE_BYTES // 1048576,
            "files": pictures.MAX_FILES,
        }
        context["export_url"] = reverse("shop_product_import:export")
        return context

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        job = product_import.start_import(
            form.cleaned_data["file"],
            pictures=form.cleaned_data["pictures"],
            actor=request.user,
            create_categories=form.cleaned_data["create_categories"],
            row_count=form.row_count,
        )
        return redirect("shop_product_import:detail", job.pk)


class ImportDetailView(ImportPage):
    """Progress while a task runs, then the preview (with Confirm), then the result."""

    template_name = "shop/admin/import/detail.html"

    def get(self, request, pk):
        self.job = get_object_or_404(ProductImport.objects.select_related("created_by"), pk=pk)
        return super().get(request, pk=pk)

    def get_page_subtitle(self):
        return self.job.original_name

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [{"url": "", "label": self.job.original_name}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        context["job"] = job
        context["has_pictures"] = bool(job.file) and pictures.has_archive(job)
        if job.is_running:
            done = read_progress(job)
            total = max(job.total_rows, done, 1)
            context.update(progress_done=done, progress_total=total, progress_percent=min(100, 100 * done // total))
            return context
        status = self.request.GET.get("status")
        if status == "all":
            status = ""
        elif status not in STATUS_LABELS:
            # With errors, the rows to fix are what the owner needs first.
            status = ERROR if job.error_rows else ""
        try:
            page = max(1, int(self.request.GET.get("p", 1)))
        except ValueError:
            page = 1
        rows, matching = report_rows(job, status=status or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        for row in rows:
            row["status_label"] = STATUS_LABELS[row["status"]]
            row["change_labels"] = [HEADERS.get(key, key) for key in row.get("changes", [])]
            row["error_items"] = [
                {"column": HEADERS.get(column, column), "key": column, "message": message}
                for column, message in row.get("errors", [])
            ]
        pages = max(1, -(-matching // PAGE_SIZE))
        context.update(
            rows=rows,
            has_variants=any(row.get("parent") for row in rows),
            status=status,
            matching=matching,
            page=page,
            pages=pages,
            previous_url=self._page_url(status, page - 1) if page > 1 else "",
            next_url=self._page_url(status, page + 1) if page < pages else "",
            filters=[
                {"status": key, "label": label, "count": count, "url": self._page_url(key, 1)}
                for key, label, count in [
                    ("", _("Semua"), job.total_rows),
                    (NEW, STATUS_LABELS[NEW], job.new_rows),
                    (UPDATE, STATUS_LABELS[UPDATE], job.updated_rows),
                    (UNCHANGED, STATUS_LABELS[UNCHANGED], job.unchanged_rows),
                    (ERROR, STATUS_LABELS[ERROR], job.error_rows),
                ]
            ],
        )
        return context

    def _page_url(self, status, page):
        query = {key: value for key, value in (("status", status or "all"), ("p", page)) if value}
        return f"{self.request.path}?{urlencode(query)}"


class ImportConfirmView(ImportPermissionMixin, View):
    def post(self, request, pk):
        job = get_object_or_404(ProductImport, pk=pk)
        # Conditional, so a double click or two admins confirming start one import.
        queued = ProductImport.objects.filter(
            pk=pk, status=ProductImport.Status.CHECKED, error_rows=0, total_rows__gt=0
        ).update(status=ProductImport.Status.IMPORT_QUEUED, finished_at=None)
        if not queued:
            messages.error(
                request,
                _("Impor ini tidak bisa dikonfirmasi (sudah berjalan, sudah selesai, atau ada baris bermasalah)."),
            )
            return redirect("shop_product_import:detail", pk)
        if product_import.in_foreground(job):
            job = product_import.run_import(pk) or job
            if job.status == ProductImport.Status.DONE:
                messages.success(request, _("Impor selesai: %(count)s baris diproses.") % {"count": job.total_rows})
        else:
            product_import.enqueue("shop.imports.tasks.run_product_import", job.pk)
        return redirect("shop_product_import:detail", pk)


class TemplateDownloadView(ImportPermissionMixin, View):
    def get(self, request):
        return _xlsx_response(
            "templat-impor-produk.xlsx",
            template.headers(),
            template.example_rows(),
            notes=template.notes(),
            header_notes=template.header_notes(),
            row_count=len(template.HIJAB_COLOURS) + 1,
        )


class ExportView(ImportPermissionMixin, View):
    """All products, or those matching the product listing's filters and search, in import format."""

    permission = EXPORT_PERMISSION

    def get(self, request):
        queryset = ProductFilterSet(request.GET, queryset=Product.objects.all()).qs
        if query := request.GET.get("q", "").strip():
            # Searched on its own and intersected: the listing's filters are not all search filter fields.
            queryset = queryset.filter(pk__in=[product.pk for product in Product.objects.search(query)])
        resource = ProductResource()
        try:
            # One row per variant of a product with options (shop.imports.export).
            rows = resource.export_rows(resource.filter_export(queryset))
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            headers = resource.get_export_headers()
            if request.GET.get("format") == CSV:
                return _file_response(
                    f"produk-{stamp}.csv", CONTENT_TYPES[CSV], lambda out: write_csv(out, headers, rows)
                )
            row_count = ProductVariant.objects.filter(product__in=queryset.values("pk")).count()
            return _xlsx_response(f"produk-{stamp}.xlsx", headers, rows, row_count=row_count)
        finally:
            resource.close()


class ReportDownloadView(ImportPermissionMixin, View):
    """The rows in error as a spreadsheet, to fix them in Excel next to the original file."""

    def get(self, request, pk):
        job = get_object_or_404(ProductImport, pk=pk)
        if not job.report:
            raise Http404

        def lines():
            offset = 0
            while True:
                rows, matching = report_rows(job, status=ERROR, offset=offset, limit=5000)
                for row in rows:
                    for column, message in row.get("errors", []):
                        yield [row["row"], row.get("sku", ""), HEADERS.get(column, column), message]
                offset += 5000
                if offset >= matching:
                    return

        headers = [_("Baris"), _("SKU"), _("Kolom"), _("Masalah")]
        return _xlsx_response(f"masalah-impor-{job.pk}.xlsx", headers, lines(), widths=[8, 18, 16, 80], formats={})


def _xlsx_response(
    filename, headers, rows, *, notes=None, header_notes=None, widths=COLUMN_WIDTHS, formats=None, row_count=None
):
    number_formats = {3: RUPIAH_FORMAT, 4: RUPIAH_FORMAT} if formats is None else formats
    extra = [(_("Petunjuk"), notes, template.NOTES_WIDTHS)] if notes else ()
    return _file_response(
        filename,
        CONTENT_TYPES["xlsx"],
        lambda out: write_xlsx(
            out,
            headers,
            rows,
            sheet_title=product_import.SHEET_NAME,
            row_count=row_count,
            column_widths=widths,
            number_formats=number_formats,
            extra_sheets=extra,
            header_notes=header_notes,
        ),
    )


def _file_response(filename, content_type, write):
    # Spooled to disk past a few MB, so a 100,000-product export does not sit in memory.
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115  (FileResponse closes it)
    write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)


class ImportButtonsMixin:
    """Adds "Impor Produk" and an export in the import format to the product listing, carrying the
    listing's current filters and search like Wagtail's own Download buttons (used by ProductIndexView).
    """

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm(IMPORT_PERMISSION):
            buttons.append(
                Button(_("Impor Produk"), url=reverse("shop_product_import:index"), icon_name="upload", priority=80)
            )
        params = self.request.GET.copy()
        params.pop("export", None)
        query = f"?{params.urlencode()}" if params else ""
        buttons.append(
            Button(
                _("Ekspor format impor (.xlsx)"),
                url=reverse("shop_product_import:export") + query,
                icon_name="download",
                priority=85,
            )
        )
        return buttons


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)


def menu_item():
    return ImportMenuItem(_("Impor Produk"), reverse("shop_product_import:index"), icon_name="upload", order=160)


app_name = "shop_product_import"
urlpatterns = [
    path("", ImportIndexView.as_view(), name="index"),
    path("templat/", TemplateDownloadView.as_view(), name="template"),
    path("ekspor/", ExportView.as_view(), name="export"),
    path("<int:pk>/", ImportDetailView.as_view(), name="detail"),
    path("<int:pk>/konfirmasi/", ImportConfirmView.as_view(), name="confirm"),
    path("<int:pk>/masalah.xlsx", ReportDownloadView.as_view(), name="problems"),
]
