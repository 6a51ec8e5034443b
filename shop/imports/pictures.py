"""Product pictures in bulk: a .zip uploaded next to the spreadsheet, whose files the column
Gambar names.

Nothing is unpacked to disk and nothing is fetched from the network: a picture is read from the
archive into memory when a row names it, after its declared size was checked, and accepted only
when Pillow reads it as JPEG, PNG or WebP (the content decides, not the name). The archive is
kept in private storage next to the spreadsheet, under a name made from the spreadsheet's
(`archive_name`), until the import's files are cleared.

A picture becomes a Wagtail image in the collection "Produk" and a ProductImage of the product.
Pictures are told apart by content (SHA-1, Wagtail's own `file_hash`): an image already in the
library is reused, and a product is never given the same picture twice, so importing a file again
adds nothing.
"""

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

from shop.catalog.models import ProductImage, ProductVariant
from shop.core.storage import private_storage

MAX_ARCHIVE_BYTES = 100 * 1048576
MAX_FILES = 1000
# Pictures hardly pack (JPEG, PNG and WebP are compressed already): twice the archive is generous.
MAX_UNPACKED_BYTES = 2 * MAX_ARCHIVE_BYTES
MAX_PACKING_RATIO = 100
_RATIO_FROM_BYTES = 1048576
MAX_PICTURE_BYTES = 5 * 1048576
# 40 megapixels (a 7,300 × 5,500 photo): decoding one takes at most 160 MB of memory.
MAX_PICTURE_PIXELS = 40_000_000
MAX_PER_PRODUCT = 10
# Above this the check and the import run as background tasks, whatever the number of rows.
FOREGROUND_ARCHIVE_BYTES = 20 * 1048576
COLLECTION_NAME = "Produk"
# The Pillow readers tried, and the extension the stored picture gets by the format found. MPO is
# how Pillow's JPEG reader names the JPEG files some phones and cameras write (a second, smaller
# picture inside).
READERS = ["JPEG", "PNG", "WEBP"]
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
# What a Mac or Windows adds to a folder it zips, never a product picture.
_SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_ENCRYPTED = 0x1


class ArchiveError(Exception):
    """The .zip as a whole cannot be used; the message is for the shop owner."""


class PictureError(Exception):
    """One picture named in a row cannot be used; the message is for the shop owner."""


@dataclass(frozen=True)
class Picture:
    name: str  # as the row wrote it
    entry: str  # the archive member holding it
    sha1: str
    size: int
    extension: str


def megabytes(size):
    return f"{size / 1048576:.1f}".replace(".", ",")


def check_archive(upload):
    """Refuse an uploaded .zip that cannot be used, before anything is stored."""
    if not (upload.name or "").lower().endswith(".zip"):
        raise ArchiveError(_("Gambar diunggah sebagai satu berkas .zip."))
    if upload.size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            _("Berkas .zip terlalu besar: %(size)s MB, paling besar %(maximum)s MB. Bagi menjadi beberapa impor.")
            % {"size": megabytes(upload.size), "maximum": MAX_ARCHIVE_BYTES // 1048576}
        )
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ArchiveError(_("Berkas gambar bukan .zip yang sah, atau rusak. Buat ulang .zip-nya.")) from None
    finally:
        upload.seek(0)
    if not entries:
        raise ArchiveError(_("Berkas .zip kosong."))
    if len(entries) > MAX_FILES:
        raise ArchiveError(
            _("Berkas .zip berisi %(count)s berkas, paling banyak %(maximum)s. Bagi menjadi beberapa impor.")
            % {"count": len(entries), "maximum": MAX_FILES}
        )
    unpacked = sum(info.file_size for info in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ArchiveError(
            _("Isi berkas .zip terlalu besar setelah dibuka: %(size)s MB, paling banyak %(maximum)s MB.")
            % {"size": f"{unpacked / 1048576:.0f}", "maximum": MAX_UNPACKED_BYTES // 1048576}
        )
    for info in entries:
        if info.file_size >= _RATIO_FROM_BYTES and info.file_size > MAX_PACKING_RATIO * info.compress_size:
            raise ArchiveError(
                _(
                    "Berkas .zip ini tidak wajar: “%(name)s” menjadi %(ratio)s kali lebih besar setelah dibuka "
                    "(gambar biasa hampir tidak mengecil di .zip), sehingga ditolak."
                )
                % {
                    "name": info.filename,
                    "ratio": f"{info.file_size // max(info.compress_size, 1):,}".replace(",", "."),
                }
            )


# -- stored next to the spreadsheet -------------------------------------------------------


def archive_name(job):
    """Where an import's .zip is kept: the spreadsheet's own random name, so no column records it."""
    return f"{PurePosixPath(job.file.name).with_suffix('')}-gambar.zip" if job.file else ""


def store_archive(job, upload):
    private_storage.save(archive_name(job), upload)


def has_archive(job):
    name = archive_name(job)
    return bool(name) and private_storage.exists(name)


def archive_size(job):
    return private_storage.size(archive_name(job)) if has_archive(job) else 0


def delete_archive(job):
    if has_archive(job):
        private_storage.delete(archive_name(job))


def open_archive(job):
    """The stored .zip of an import, open for reading, or None when it was uploaded without one."""
    return private_storage.open(archive_name(job), "rb") if has_archive(job) else None


# -- reading pictures --------------------------------------------------------------------------


def picture_names(cell):
    """The file names a Gambar cell lists, in order, each once."""
    text = "" if cell is None else str(cell)
    names, seen = [], set()
    for name in (part.strip() for part in text.replace("\n", ";").split(";")):
        if name and _key(name) not in seen:
            seen.add(_key(name))
            names.append(name)
    return names


def _key(name):
    # A Mac writes names decomposed (NFD) and Windows users type any case.
    return unicodedata.normalize("NFC", name).casefold()


class PictureArchive:
    """The pictures of an uploaded .zip, found by file name (in any folder of the archive)."""

    def __init__(self, file):
        try:
            self._zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise ArchiveError(_("Berkas gambar bukan .zip yang sah, atau rusak. Buat ulang .zip-nya.")) from None
        self._by_name = {}
        for info in self._zip.infolist():
            parts = info.filename.replace("\\", "/").split("/")
            if info.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
                continue
            if parts[-1].lower() not in _SYSTEM_FILES:
                self._by_name.setdefault(_key(parts[-1]), []).append(info)
        self._checked = {}
        self.written = []  # files of the Wagtail images this import stored

    def close(self):
        self._zip.close()

    def picture(self, name):
        """The picture `name` (checked once per import, however many rows name it); raises PictureError."""
        key = _key(name)
        if key not in self._checked:
            try:
                self._checked[key] = self._check(name)
            except PictureError as error:
                self._checked[key] = error
        found = self._checked[key]
        if isinstance(found, PictureError):
            raise found
        return found

    def _check(self, name):
        if "/" in name or "\\" in name or name in (".", ".."):
            raise PictureError(_("“%(name)s”: tulis nama berkasnya saja, tanpa folder.") % {"name": name})
        matches = self._by_name.get(_key(name), [])
        if not matches:
            raise PictureError(_("Gambar “%(name)s” tidak ada di berkas .zip.") % {"name": name})
        if len(matches) > 1:
            raise PictureError(
                _("Ada %(count)s berkas bernama “%(name)s” di .zip; beri nama yang berbeda.")
                % {"count": len(matches), "name": name}
            )
        info = matches[0]
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise PictureError(
                _("“%(name)s” ada di .zip dengan jalur yang tidak aman (%(path)s), jadi ditolak.")
                % {"name": name, "path": info.filename}
            )
        if info.flag_bits & _ENCRYPTED:
            raise PictureError(_("Gambar “%(name)s” dikunci sandi di .zip.") % {"name": name})
        if info.file_size > MAX_PICTURE_BYTES:
            raise PictureError(
                _("Gambar “%(name)s” terlalu besar: %(size)s MB, paling besar %(maximum)s MB.")
                % {"name": name, "size": megabytes(info.file_size), "maximum": MAX_PICTURE_BYTES // 1048576}
            )
        data = self._read(info, name)
        return Picture(name, info.filename, hashlib.sha1(data).hexdigest(), len(data), _picture_format(data, name))

    def _read(self, info, name):
        try:
            with self._zip.open(info) as member:
                # zipfile stops at the declared size, checked above; the +1 is a second guard.
                data = member.read(MAX_PICTURE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            raise PictureError(_("Gambar “%(name)s” tidak bisa dibaca dari .zip (rusak).") % {"name": name}) from None
        if len(data) > MAX_PICTURE_BYTES:
            raise PictureError(_("Gambar “%(name)s” terlalu besar.") % {"name": name})
        return data

    def read(self, picture):
        return self._read(self._zip.getinfo(picture.entry), picture.name)

    def discard_written(self):
        """Remove the image files stored by an import whose transaction is being rolled back."""
        storage = get_image_model()._meta.get_field("file").storage
        for name in self.written:
            storage.delete(name)
        self.written.clear()


def _picture_format(data, name):
    """The extension for `data` when it is a whole JPEG, PNG or WebP picture; raises PictureError."""
    not_a_picture = PictureError(_("“%(name)s” bukan gambar JPEG, PNG atau WebP.") % {"name": name})
    try:
        with PILImage.open(io.BytesIO(data), formats=READERS) as picture:
            extension = FORMATS[picture.format]
            if picture.width * picture.height > MAX_PICTURE_PIXELS:
                raise PictureError(
                    _(
                        "Gambar “%(name)s” terlalu besar: %(width)s × %(height)s piksel, paling banyak %(maximum)s megapiksel."
                    )
                    % {
                        "name": name,
                        "width": picture.width,
                        "height": picture.height,
                        "maximum": MAX_PICTURE_PIXELS // 1_000_000,
                    }
                )
            picture.verify()
        # verify() reads the structure only; a cut-off file shows when its pixels are decoded.
        with PILImage.open(io.BytesIO(data), formats=READERS) as picture:
            picture.load()
    except PictureError:
        raise
    except PILImage.UnidentifiedImageError:
        raise not_a_picture from None
    except Exception:  # Pillow raises many kinds for a damaged picture
        raise PictureError(_("Gambar “%(name)s” rusak atau terpotong.") % {"name": name}) from None
    return extension


# -- writing -----------------------------------------------------------------------------------


def galleries(product_ids):
    """{product id: (SHA-1s of its pictures, the next free sort order)} for these products."""
    found = {}
    rows = ProductImage.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "image__file_hash", "sort_order"
    )
    for product_id, sha1, order in rows:
        hashes, next_order = found.get(product_id, (set(), 0))
        hashes.add(sha1)
        found[product_id] = (hashes, max(next_order, (order or 0) + 1))
    return found


def attach_pictures(rows, archive, *, actor, next_orders):
    """Give each product of `rows` ([(product, [Picture])], products saved) its new pictures, after
    those it has; a picture already in the image library is used again rather than stored twice."""
    Image = get_image_model()
    wanted = {picture.sha1 for _product, pictures in rows for picture in pictures}
    images = {}
    for image in Image.objects.filter(file_hash__in=wanted).order_by("pk"):
        images.setdefault(image.file_hash, image)
    collection, items = None, []
    for product, pictures in rows:
        order = next_orders.get(product.pk, 0)
        for picture in pictures:
            image = images.get(picture.sha1)
            if image is None:
                collection = collection or product_collection()
                stem = slugify(PurePosixPath(picture.name).stem)[:80] or "gambar"
                image = Image(
                    title=product.name[:255],
                    collection=collection,
                    uploaded_by_user=actor,
                    file=ContentFile(archive.read(picture), name=f"{stem}.{picture.extension}"),
                    file_size=picture.size,
                    file_hash=picture.sha1,
                )
                image.save()
                archive.written.append(image.file.name)
                images[picture.sha1] = image
            items.append(ProductImage(product_id=product.pk, image=image, sort_order=order))
            order += 1
    ProductImage.objects.bulk_create(items)
    return len(items)


def give_variants_their_pictures(assignments):
    """Each variant of `assignments` ([(variant, SHA-1)], variants saved, pictures attached) gets
    the picture its row named first: a colour's own picture, shown when a buyer picks it."""
    if not assignments:
        return
    found = {}
    rows = get_image_model().objects.filter(file_hash__in={sha1 for _variant, sha1 in assignments})
    for pk, sha1 in rows.order_by("pk").values_list("pk", "file_hash"):
        found.setdefault(sha1, pk)
    changed = {}
    for variant, sha1 in assignments:
        if found.get(sha1) and variant.image_id != found[sha1]:
            variant.image_id = found[sha1]
            changed[variant.pk] = variant
    ProductVariant.objects.bulk_update(list(changed.values()), ["image"])


def product_collection():
    root = Collection.get_first_root_node()
    return root.get_children().filter(name=COLLECTION_NAME).first() or root.add_child(name=COLLECTION_NAME)
