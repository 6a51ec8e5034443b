"""Proofs of transfer: judged by their content when uploaded, never by name or claimed type; served privately."""

import warnings

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from shop.orders.errors import InvalidPaymentProof
from shop.payments.thumbnails import open_thumbnail

MAX_PROOF_BYTES = 5 * 1024 * 1024
# A 50-megapixel phone photo passes; a small file that unpacks to a huge picture (a 12000 x 12000
# PNG is 134 KB) would cost every preview a second of decoding and hundreds of megabytes.
MAX_PROOF_PIXELS = 60_000_000
# Leading bytes of the only proof formats CS can open in the browser; the upload's own
# content type and file name are the buyer's claims and are not trusted.
PROOF_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"))


def proof_content_type(uploaded_file):
    """The proof's real content type, or InvalidPaymentProof saying what is wrong with the file."""
    size = getattr(uploaded_file, "size", None) or 0
    if size <= 0:
        raise InvalidPaymentProof(_("Berkas bukti pembayaran kosong."))
    if size > MAX_PROOF_BYTES:
        raise InvalidPaymentProof(_("Berkas bukti pembayaran terlalu besar (maksimal 5 MB)."))
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    for signature, content_type in PROOF_SIGNATURES:
        if head.startswith(signature):
            if content_type.startswith("image/"):
                _check_picture(uploaded_file)
            return content_type
    raise InvalidPaymentProof(_("Bukti pembayaran harus berupa foto JPG/PNG atau berkas PDF."))


def _check_picture(uploaded_file):
    """A real picture of a sensible size, judged from its header alone: nothing is decoded here."""
    try:
        with warnings.catch_warnings():
            # The size is judged below, with a message for the buyer; Pillow's own warning adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(uploaded_file) as picture:
                width, height = picture.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InvalidPaymentProof(_("Gambar bukti pembayaran rusak atau tidak bisa dibaca. Kirim foto lain.")) from None
    finally:
        uploaded_file.seek(0)
    if width * height > MAX_PROOF_PIXELS:
        raise InvalidPaymentProof(
            _(
                "Gambar bukti pembayaran terlalu besar (%(width)s × %(height)s piksel). "
                "Kirim tangkapan layar atau foto biasa dari ponsel."
            )
            % {"width": width, "height": height}
        )


def proof_file_response(proof, *, thumbnail=False, download=False):
    """The proof's file (or its small preview) as a private, uncached response; 404 when the file is gone.

    Callers have checked who asks: the buyer of the order, or staff of a desk that holds it.

    The file is streamed through this response from wherever private storage keeps it, a local
    folder or the private bucket, rather than answered with a redirect to a signed bucket link: a
    signed link works for whoever holds it until it expires (forwarded, in a browser's history,
    in a proxy log), while this answer goes only to the person just checked. It also keeps the
    proof on the shop's own address, so the desks' same-origin PDF frames, the download name and
    the no-store header hold as they do on one server. A proof is at most 5 MB and is opened a few
    times by CS, so passing it through the web server costs little.
    """
    if thumbnail and proof.is_image:
        preview = open_thumbnail(proof)
        if preview is not None:
            return _private(FileResponse(preview, content_type="image/jpeg"))
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = proof.file.name.rsplit(".", 1)[-1]
    return _private(
        FileResponse(
            handle,
            content_type=proof.content_type,
            as_attachment=download,
            filename=f"bukti-{proof.order.number}-{proof.pk}.{extension}",
        )
    )


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response
