"""Synthetic supporting documents for the attachment tests (no real patient data).

Each builder returns bytes as a scanner, an EHR export or a hostile sender would
produce them: plain PDFs with text, PDFs carrying JavaScript, an embedded file, a
form and external links, encrypted PDFs, and PNG, JPEG and multi-page TIFF images.
"""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, ImageDraw

MARKER = "ZQX-EMBEDDED-SECRET-7731"


def _text_page(pdf: pikepdf.Pdf, text: str, size=(612, 792)) -> pikepdf.Page:  # type: ignore[no-untyped-def]
    page = pdf.add_blank_page(page_size=size)
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
        )
    )
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(
        f"BT /F1 18 Tf 72 {size[1] - 100} Td ({text}) Tj ET".encode()
    )
    return page


def plain_pdf(pages: int = 2, label: str = "Synthetic office note") -> bytes:
    pdf = pikepdf.new()
    for n in range(1, pages + 1):
        _text_page(pdf, f"{label} page {n}")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def hostile_pdf() -> bytes:
    """One page with a text label, plus document JavaScript, an open action, an
    embedded file, a form text field and a URI link, Launch and GoToR actions."""
    pdf = pikepdf.new()
    page = _text_page(pdf, "Synthetic imaging report")
    js = pdf.make_indirect(
        pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hello');")
        )
    )
    pdf.Root.OpenAction = js
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js])),
        EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array(
                [
                    pikepdf.String("secret.txt"),
                    pdf.make_indirect(
                        pikepdf.Dictionary(
                            Type=pikepdf.Name.Filespec,
                            F=pikepdf.String("secret.txt"),
                            EF=pikepdf.Dictionary(
                                F=pdf.make_stream(
                                    MARKER.encode(), Type=pikepdf.Name.EmbeddedFile
                                )
                            ),
                        )
                    ),
                ]
            )
        ),
    )
    link = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([72, 600, 300, 620]),
            A=pikepdf.Dictionary(
                S=pikepdf.Name.URI, URI=pikepdf.String("https://example.invalid/x")
            ),
        )
    )
    launch = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([72, 560, 300, 580]),
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")),
        )
    )
    gotor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([72, 520, 300, 540]),
            A=pikepdf.Dictionary(
                S=pikepdf.Name.GoToR,
                F=pikepdf.String("other.pdf"),
                D=pikepdf.Array([0, pikepdf.Name.Fit]),
            ),
        )
    )
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("notes"),
            V=pikepdf.String("typed into the form"),
            Rect=pikepdf.Array([72, 400, 400, 420]),
            DA=pikepdf.String("/Helv 10 Tf 0 g"),
            P=page.obj,
            AA=pikepdf.Dictionary(
                K=pikepdf.Dictionary(
                    S=pikepdf.Name.JavaScript, JS=pikepdf.String("event.rc=true;")
                )
            ),
        )
    )
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([link, launch, gotor, field]))
    page.obj.AA = pikepdf.Dictionary(O=js)
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array([field]),
        DA=pikepdf.String("/Helv 10 Tf 0 g"),
        DR=pikepdf.Dictionary(
            Font=pikepdf.Dictionary(
                Helv=pikepdf.Dictionary(
                    Type=pikepdf.Name.Font,
                    Subtype=pikepdf.Name.Type1,
                    BaseFont=pikepdf.Name.Helvetica,
                )
            )
        ),
    )
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=False)
    return out.getvalue()


def encrypted_pdf(*, user_password: str = "letmein") -> bytes:
    pdf = pikepdf.open(io.BytesIO(plain_pdf(1)))
    out = io.BytesIO()
    pdf.save(
        out,
        encryption=pikepdf.Encryption(user=user_password, owner="owner-secret"),
    )
    return out.getvalue()


def _drawing(size=(850, 1100), color: bool = True) -> Image.Image:  # type: ignore[no-untyped-def]
    image = Image.new("RGB" if color else "L", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 40, size[0] - 40, 140], outline="black", width=4)
    draw.text((60, 70), "Synthetic pain diary", fill="black")
    return image


def png_bytes(*, alpha: bool = False) -> bytes:
    image = _drawing()
    if alpha:
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(100, 100))
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    _drawing().save(out, "JPEG", quality=80, dpi=(100, 100), comment=b"MARKER-COMMENT")
    return out.getvalue()


def tiff_bytes(frames: int = 3) -> bytes:
    pages = [_drawing(color=False) for _ in range(frames)]
    out = io.BytesIO()
    pages[0].save(
        out,
        "TIFF",
        save_all=True,
        append_images=pages[1:],
        dpi=(100, 100),
        compression="tiff_deflate",
    )
    return out.getvalue()
