"""Small previews of proof images for the verification queue.

A phone photo of a transfer slip is often 3-5 MB; a queue page of fifty of them would be a
download of hundreds of megabytes for the CS agent. The preview is made on first request with
Pillow and kept in private storage next to the proof, so it is served like the proof itself.
"""

from io import BytesIO

from PIL import Image, ImageOps

from shop.core.storage import private_storage

SIZE = (160, 160)


def thumbnail_name(proof):
    return f"payment-proofs/{proof.order_id}/thumbs/{proof.pk}.jpg"


def failure_name(proof):
    return f"payment-proofs/{proof.order_id}/thumbs/{proof.pk}.failed"


def open_thumbnail(proof):
    """The proof's preview as an open file, made when missing; None when the image can't be read.

    A proof that could not be previewed once is not decoded again on every view of the queue:
    the failure is remembered next to where the preview would be.
    """
    name = thumbnail_name(proof)
    if not private_storage.exists(name):
        if private_storage.exists(failure_name(proof)):
            return None
        data = _make(proof)
        if data is None:
            private_storage.replace(failure_name(proof), b"")
            return None
        # Two CS opening the queue at once both make the preview; each replaces it whole.
        private_storage.replace(name, data)
    return private_storage.open(name, "rb")


def _make(proof):
    try:
        with proof.file.open("rb") as source, Image.open(source) as image:
            image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
            image.thumbnail(SIZE)
            output = BytesIO()
            image.convert("RGB").save(output, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return output.getvalue()
