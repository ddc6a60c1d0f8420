"""Supporting documents: an uploaded file's bytes in, a clean PDF out.

``sanitize_upload`` decides what a file is from its bytes (never its name or the
browser's content type): PDF, PNG, JPEG or TIFF. Everything else is refused.

- A PDF must open with pikepdf (qpdf). An encrypted one (a password, or only an
  owner's permissions) is refused: we cannot promise to show what it shows. The
  PDF is then rewritten: the document catalog keeps only its page tree, so
  document JavaScript, embedded files, the form (AcroForm, XFA), the open action,
  document actions, outlines and metadata are gone; each page loses its
  annotations (links, URI/Launch/GoToR actions, widgets, file attachments: form
  fields and visible annotations are first flattened into the page, so what was
  filled in stays readable) and its page actions. What was removed is reported.
- An image is decoded with Pillow (only the PNG, JPEG and TIFF decoders; a
  decompression-bomb limit on every frame), flattened onto white, scaled down to
  at most 300 dpi on a Letter page, and re-encoded into a one-page-per-frame PDF
  written here: none of the original bytes (metadata, ICC profiles, comments)
  survive.

Nothing is executed, rendered or fetched. The output is deterministic: the same
upload gives the same bytes (and SHA-256).
"""

from __future__ import annotations

import io
import warnings
import zlib
from dataclasses import dataclass

import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_IMAGE_PIXELS",
    "AttachmentRejected",
    "CleanDocument",
    "page_count",
    "sanitize_upload",
    "sniff",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
# Per frame, checked before decoding: a 600 dpi tabloid scan is about 60 million.
MAX_IMAGE_PIXELS = 60_000_000
# Frames (TIFF) or pages (PDF) one file may bring; the request's own limit is applied
# by the caller, with what is already attached.
MAX_PAGES = 150
# Images are scaled down to fit this many pixels on a Letter page (300 dpi).
_MAX_LONG_SIDE = 3300
_LETTER = (612.0, 792.0)
_DEFAULT_DPI = 150.0

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}


class AttachmentRejected(ValueError):
    """The upload is not a document we accept; ``message`` says why, for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CleanDocument:
    pdf: bytes
    pages: int
    source_type: str  # "pdf", "png", "jpeg" or "tiff": what the bytes were
    removed: tuple[str, ...] = ()  # what the rewrite took out, in plain words


def sniff(data: bytes) -> str | None:
    """ "pdf", "png", "jpeg", "tiff" from the first bytes, or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    # PDF readers accept a header anywhere in the first kilobyte.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def sanitize_upload(data: bytes) -> CleanDocument:
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentRejected(
            "too_large",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is"
            f" {MAX_FILE_BYTES // 1024 // 1024} MB a file.",
        )
    if not data:
        raise AttachmentRejected("empty", "The file is empty.")
    kind = sniff(data)
    if kind is None:
        raise AttachmentRejected(
            "unsupported_type",
            "This file is not a PDF, PNG, JPEG or TIFF (checked by its content, not"
            " its name).",
        )
    if kind == "pdf":
        return _clean_pdf(data)
    return _clean_image(data, kind)


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


# --------------------------------------------------------------------------- PDF

# Catalog entries that can run, fetch, or carry content that is not on a page.
_CATALOG_FINDINGS = {
    "/OpenAction": "open action",
    "/AA": "document actions",
    "/AcroForm": "form fields",
    "/Outlines": "bookmarks",
    "/URI": "links",
}


def _catalog_findings(doc: pikepdf.Pdf) -> set[str]:
    root = doc.Root
    found = {word for key, word in _CATALOG_FINDINGS.items() if key in root}
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            found.add("JavaScript")
        if "/EmbeddedFiles" in names:
            found.add("embedded files")
    open_action = root.get("/OpenAction")
    if isinstance(open_action, pikepdf.Dictionary) and open_action.get("/S") in (
        pikepdf.Name.JavaScript,
    ):
        found.add("JavaScript")
    return found


def _page_findings(page: pikepdf.Page) -> set[str]:
    found: set[str] = set()
    if "/AA" in page.obj:
        found.add("page actions")
    for annot in page.obj.get("/Annots", pikepdf.Array()):
        if not isinstance(annot, pikepdf.Dictionary):
            continue
        subtype = annot.get("/Subtype")
        action = annot.get("/A")
        kind = action.get("/S") if isinstance(action, pikepdf.Dictionary) else None
        if subtype == pikepdf.Name.Link or kind is not None:
            found.add("links")
        if kind == pikepdf.Name.JavaScript:
            found.add("JavaScript")
        if kind in (pikepdf.Name.Launch, pikepdf.Name.GoToR):
            found.add("links")
        if subtype == pikepdf.Name.FileAttachment:
            found.add("embedded files")
        if subtype == pikepdf.Name.Widget:
            found.add("form fields")
        if "/AA" in annot:
            found.add("page actions")
    return found


def _clean_pdf(data: bytes) -> CleanDocument:
    try:
        doc = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise AttachmentRejected(
            "encrypted",
            "This PDF is protected with a password. Save or print it without the"
            " password (or ask the sender for an unprotected copy) and upload that.",
        ) from None
    except (pikepdf.PdfError, ValueError, RuntimeError):
        raise AttachmentRejected(
            "unreadable_pdf",
            "This file starts like a PDF but could not be read as one; it may be"
            " damaged. Save it again from the program that made it.",
        ) from None
    with doc:
        if doc.is_encrypted:
            raise AttachmentRejected(
                "encrypted",
                "This PDF is encrypted (it restricts printing or copying). Save or"
                " print it as a new, unprotected PDF and upload that.",
            )
        try:
            pages = len(doc.pages)
        except pikepdf.PdfError:
            pages = 0
        if pages == 0:
            raise AttachmentRejected("no_pages", "This PDF has no pages.")
        if pages > MAX_PAGES:
            raise AttachmentRejected(
                "too_many_pages",
                f"This PDF has {pages} pages; a request holds at most {MAX_PAGES}.",
            )
        try:
            removed = _catalog_findings(doc)
            for page in doc.pages:
                removed |= _page_findings(page)
            _rewrite(doc)
            out = io.BytesIO()
            doc.save(
                out,
                deterministic_id=True,
                compress_streams=True,
                fix_metadata_version=False,
            )
        except (pikepdf.PdfError, ValueError, RuntimeError, KeyError):
            raise AttachmentRejected(
                "unreadable_pdf",
                "This PDF could not be cleaned (part of it is damaged). Save it again"
                " from the program that made it, or print it to a new PDF.",
            ) from None
    return CleanDocument(
        pdf=out.getvalue(),
        pages=pages,
        source_type="pdf",
        removed=tuple(sorted(removed)),
    )


def _rewrite(doc: pikepdf.Pdf) -> None:
    """Keep what is drawn on the pages; drop everything that acts, links or hides."""
    form = doc.Root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        try:
            # Draw what was typed into the fields, so flattening keeps it visible.
            form.NeedAppearances = True
            doc.generate_appearance_streams()
        except pikepdf.PdfError:  # pragma: no cover - flattening below still runs
            pass
    try:
        doc.flatten_annotations("all")
    except pikepdf.PdfError:  # pragma: no cover - the annotations are removed anyway
        pass
    for page in doc.pages:
        for key in ("/Annots", "/AA", "/Metadata", "/PieceInfo", "/B", "/Thumb"):
            if key in page.obj:
                del page.obj[key]
    root = doc.Root
    for key in list(root.keys()):
        if key not in ("/Type", "/Pages"):
            del root[key]
    for key in list(doc.trailer.keys()):
        if key not in ("/Root", "/Size", "/ID"):
            del doc.trailer[key]
    doc.remove_unreferenced_resources()


# --------------------------------------------------------------------------- images


def _clean_image(data: bytes, kind: str) -> CleanDocument:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]])
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_PAGES:
                raise AttachmentRejected(
                    "too_many_pages",
                    f"This image has {frames} pages; a request holds at most"
                    f" {MAX_PAGES}.",
                )
            out = pikepdf.new()
            for frame in ImageSequence.Iterator(image):
                _check_pixels(frame)
                _add_image_page(out, frame, jpeg=kind == "jpeg")
    except AttachmentRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise AttachmentRejected(
            "unreadable_image",
            f"This file starts like a {kind.upper()} image but could not be read;"
            " it may be damaged.",
        ) from None
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, fix_metadata_version=False)
    return CleanDocument(pdf=buffer.getvalue(), pages=frames, source_type=kind)


def _too_many_pixels() -> AttachmentRejected:
    return AttachmentRejected(
        "too_many_pixels",
        f"This image is larger than {MAX_IMAGE_PIXELS // 1_000_000} million pixels;"
        " scan it at 300 dpi or less.",
    )


def _check_pixels(frame: Image.Image) -> None:
    width, height = frame.size
    if width * height > MAX_IMAGE_PIXELS or width <= 0 or height <= 0:
        raise _too_many_pixels()


def _flatten(frame: Image.Image) -> Image.Image:
    """Gray, black-and-white or RGB pixels on white; nothing else of the original."""
    mode = frame.mode
    if mode == "1":
        return frame.copy()
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        return frame.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "F":
        return frame.convert("L")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in frame.info
    )
    if has_alpha:
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        composed = Image.alpha_composite(background, rgba).convert("RGB")
        return composed
    if mode == "L":
        return frame.copy()
    if mode == "P":
        palette_mode = frame.palette.mode if frame.palette else "RGB"
        return frame.convert("L" if palette_mode == "L" else "RGB")
    return frame.convert("RGB")


def _dpi(frame: Image.Image) -> float:
    raw = frame.info.get("dpi")
    try:
        dpi = float(raw[0]) if raw else 0.0
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    return dpi if 50 <= dpi <= 2400 else _DEFAULT_DPI


def _add_image_page(doc: pikepdf.Pdf, frame: Image.Image, *, jpeg: bool) -> None:
    dpi = _dpi(frame)
    pixels = _flatten(frame)
    # Nothing of the original's metadata (EXIF, ICC profile, comments, XMP) may
    # ride along into the JPEG encoder, which copies some of it from ``info``.
    pixels.info = {}
    longest = max(pixels.size)
    if longest > _MAX_LONG_SIDE:
        ratio = _MAX_LONG_SIDE / longest
        dpi *= ratio
        size = (
            max(1, round(pixels.width * ratio)),
            max(1, round(pixels.height * ratio)),
        )
        source = pixels.convert("L") if pixels.mode == "1" else pixels
        pixels = source.resize(size, Image.Resampling.LANCZOS)
    width_pt, height_pt = pixels.width * 72 / dpi, pixels.height * 72 / dpi
    fit = min(1.0, _LETTER[0] / width_pt, _LETTER[1] / height_pt)
    width_pt, height_pt = round(width_pt * fit, 2), round(height_pt * fit, 2)

    image = pikepdf.Stream(doc, b"")
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width = pixels.width
    image.Height = pixels.height
    if pixels.mode == "1":
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 1
        image.write(zlib.compress(pixels.tobytes(), 6), filter=pikepdf.Name.FlateDecode)
    elif jpeg:
        encoded = io.BytesIO()
        pixels.save(encoded, "JPEG", quality=90, optimize=False)
        image.ColorSpace = (
            pikepdf.Name.DeviceGray if pixels.mode == "L" else pikepdf.Name.DeviceRGB
        )
        image.BitsPerComponent = 8
        image.write(encoded.getvalue(), filter=pikepdf.Name.DCTDecode)
    else:
        image.ColorSpace = (
            pikepdf.Name.DeviceGray if pixels.mode == "L" else pikepdf.Name.DeviceRGB
        )
        image.BitsPerComponent = 8
        image.write(zlib.compress(pixels.tobytes(), 6), filter=pikepdf.Name.FlateDecode)

    page = doc.add_blank_page(page_size=(width_pt, height_pt))
    page.obj.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im0=doc.make_indirect(image))
    )
    page.obj.Contents = doc.make_stream(
        f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q".encode()
    )
