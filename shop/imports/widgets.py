"""The django-import-export widgets of the product spreadsheet: one cell to one value, and back.

Each widget reads what shop owners really type (Excel's numbers for SKUs, "Rp 150.000", "ya" or
"tidak", plain-text descriptions, category names or paths, picture file names) and refuses what it
cannot read with a ValueError in Indonesian, which the import reports against that cell's column.
"""

import html
import re

from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export import widgets

from shop.catalog.models import Category
from shop.imports.numbers import NumberError, is_blank, parse_whole_number
from shop.imports.pictures import MAX_PER_PRODUCT, PictureError, picture_names

# Excel cannot hold more in one cell, so a longer description means a broken file.
MAX_DESCRIPTION = 32_767
YES = {"ya", "y", "yes", "true", "benar", "1", "aktif", "on"}
NO = {"tidak", "t", "no", "n", "false", "salah", "0", "nonaktif", "tidak aktif", "off"}
# "Induk > Anak" (or › as the admin shows it); not "/", which real category names contain.
PATH_SEPARATOR = re.compile(r"\s*[›>]\s*")
# The tags of Wagtail rich text: a description holding one of them is HTML, anything else is text.
HTML_TAG = re.compile(
    r"</?(p|br|b|i|u|s|strong|em|ul|ol|li|a|h[1-6]|hr|blockquote|code|sub|sup|embed|div|span)\b[^>]*>", re.I
)


class SkuWidget(widgets.Widget):
    """Excel turns a numeric SKU into a number; read it back as the text the owner typed."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


class TextWidget(widgets.Widget):
    def __init__(self, max_length, required=False):
        super().__init__()
        self.max_length, self.required = max_length, required

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if self.required and not text:
            raise ValueError(_("Wajib diisi."))
        if len(text) > self.max_length:
            raise ValueError(
                _("Terlalu panjang: %(length)s karakter, paling banyak %(maximum)s.")
                % {"length": len(text), "maximum": self.max_length}
            )
        return text


class WholeNumberWidget(widgets.Widget):
    def __init__(self, maximum, required=False, blank=None, what=None):
        super().__init__(coerce_to_string=False)
        self.maximum, self.required, self.blank, self.what = maximum, required, blank, what

    def clean(self, value, row=None, **kwargs):
        try:
            number = parse_whole_number(value, maximum=self.maximum, what=self.what)
        except NumberError as error:
            raise ValueError(str(error)) from None
        if number is None:
            if self.required:
                raise ValueError(_("Wajib diisi."))
            return self.blank
        return number

    def render(self, value, obj=None, **kwargs):
        return value


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return True
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = str(value).strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise ValueError(_("Tulis “ya” atau “tidak” (tertulis “%(value)s”).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return _("ya") if value else _("tidak")


class Paragraphs(str):
    """HTML this module made from plain text: already safe, so not cleaned again."""


class DescriptionWidget(widgets.Widget):
    """Plain text becomes paragraphs; HTML is kept (and cleaned when it changes, see the resource)."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_DESCRIPTION:
            raise ValueError(
                _("Terlalu panjang: %(length)s karakter, paling banyak %(maximum)s.")
                % {"length": len(text), "maximum": MAX_DESCRIPTION}
            )
        if text and not HTML_TAG.search(text):
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
            text = Paragraphs("".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs))
        return text


class CategoryWidget(widgets.Widget):
    """A category by name, or by its path ("Pakaian > Kaos") when the name is not unique.

    All categories are read once per import; a missing one is refused unless the import was
    started with "create categories", and then it is created (only when the import is saved).
    """

    def __init__(self, create_missing=False):
        super().__init__()
        self.create_missing = create_missing
        self.dry_run = True
        self._by_path = None

    def load(self):
        categories = {c.pk: c for c in Category.objects.all()}
        self._paths = {}
        for category in categories.values():
            names, node, seen = [], category, set()
            while node is not None and node.pk not in seen:
                seen.add(node.pk)
                names.append(node.name)
                node = categories.get(node.parent_id)
            self._paths[category.pk] = list(reversed(names))
        self._by_path = {self._key(path): categories[pk] for pk, path in self._paths.items()}
        keys = [self._key(path) for path in self._paths.values()]
        self._twins = {key for key in keys if keys.count(key) > 1} if len(keys) != len(self._by_path) else set()
        self._by_name = {}
        self._created = []
        for pk, path in self._paths.items():
            self._by_name.setdefault(self._key(path[-1:]), []).append(categories[pk])

    @staticmethod
    def _key(names):
        return tuple(" ".join(n.split()).casefold() for n in names)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if self._by_path is None:
            self.load()
        names = [n for n in PATH_SEPARATOR.split(str(value).strip()) if n]
        key = self._key(names)
        if key in self._twins:
            raise ValueError(
                _("Ada lebih dari satu kategori “%(name)s” dengan induk yang sama; ganti nama salah satunya dulu.")
                % {"name": str(value).strip()}
            )
        if len(names) == 1:
            matches = self._by_name.get(key, [])
            if len(matches) > 1:
                raise ValueError(
                    _("Ada %(count)s kategori bernama “%(name)s”; tulis lengkap, mis. “%(example)s”.")
                    % {"count": len(matches), "name": names[0], "example": self.render(matches[0])}
                )
            if matches:
                return matches[0]
        elif key in self._by_path:
            return self._by_path[key]
        if not self.create_missing:
            raise ValueError(
                _(
                    "Kategori “%(name)s” belum ada. Buat dulu di Katalog › Kategori, atau centang “Buat kategori yang belum ada”."
                )
                % {"name": str(value).strip()}
            )
        return self._create(names)

    def _create(self, names):
        if any(len(name) > 100 for name in names):
            raise ValueError(_("Nama kategori terlalu panjang: paling banyak 100 karakter."))
        parent = None
        for depth in range(1, len(names) + 1):
            key = self._key(names[:depth])
            found = self._by_path.get(key)
            if found is None:
                found = Category(name=names[depth - 1], parent=parent, slug=self._free_slug(names[:depth]))
                if not self.dry_run:
                    found.save()
                self._by_path[key] = found
                self._created.append(" > ".join(names[:depth]))
                self._by_name.setdefault(self._key(names[depth - 1 : depth]), []).append(found)
            parent = found
        return parent

    def created_names(self):
        """Categories this import created (or, in a dry run, would create)."""
        return list(getattr(self, "_created", []))

    def _free_slug(self, names):
        base = slugify("-".join(names))[:110] or "kategori"
        slug, n = base, 2
        while Category.objects.filter(slug=slug).exists() or slug in self._new_slugs():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _new_slugs(self):
        return {c.slug for c in self._by_path.values() if c.pk is None}

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self._by_path is None:
            self.load()
        path = self._paths.get(value.pk) or [value.name]
        # The bare name is enough, and easier to type, unless another category shares it.
        if len(self._by_name.get(self._key(path[-1:]), [])) <= 1:
            return path[-1]
        return " > ".join(path)


class PicturesWidget(widgets.Widget):
    """The Gambar cell: names of files in the .zip uploaded with the sheet, read as checked pictures
    (shop.imports.pictures). Blank means "leave the pictures alone", so the export leaves it blank."""

    def __init__(self):
        super().__init__()
        self.archive = None

    def clean(self, value, row=None, **kwargs):
        names = picture_names(value)
        if not names:
            return []
        if self.archive is None:
            raise ValueError(_("Kolom Gambar diisi, tetapi berkas .zip gambar tidak diunggah."))
        if len(names) > MAX_PER_PRODUCT:
            raise ValueError(
                _("%(count)s gambar, paling banyak %(maximum)s per produk.")
                % {"count": len(names), "maximum": MAX_PER_PRODUCT}
            )
        pictures, problems = {}, []
        for name in names:
            try:
                picture = self.archive.picture(name)
            except PictureError as error:
                problems.append(str(error))
            else:
                pictures.setdefault(picture.sha1, picture)  # two names of one picture count once
        if problems:
            raise ValueError(" ".join(problems))
        return list(pictures.values())

    def render(self, value, obj=None, **kwargs):
        return ""
