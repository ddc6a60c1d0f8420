"""The packet with its supporting documents: one file, deterministic, stamped.

The packet template (``templates/pdf/packet.html``) already lays out one page per
attachment page at its end, on the ``attachment`` page (``print.css``): the
running header with the patient's name, date of birth and member ID, the footer
with "Page X of Y", the DRAFT marks of an unsigned render, and a stamp line
"Attachment N, page x of y" with the kind, the date and the patient's name and date
of birth. ``compose_packet`` draws each attachment page, scaled to fit (never
enlarged), into the box below that stamp line. The cover lists the attachments.

Only the pages' drawing is taken from an attachment (as a form XObject): no
annotations, actions, forms or document-level objects come along, even if a stored
file had them. The same packet bytes and attachments give the same output bytes
(``deterministic_id``), so the draft's SHA-256 identifies what a physician reviewed,
and the signature (``signing.sign_pdf`` on this file) covers the attachments too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pikepdf

__all__ = [
    "ATTACHMENT_BOX",
    "AttachmentPart",
    "CompositionError",
    "compose_packet",
]

# The attachment page (print.css "@page attachment": Letter, margins 0.75in top,
# 0.4in sides, 0.6in bottom) less the 26pt stamp line at the top of its content and
# a 4pt gap under the stamp's rule.
_PAGE = (612.0, 792.0)
ATTACHMENT_BOX = (28.8, 43.2, 583.2, 792.0 - 54.0 - 26.0 - 4.0)


@dataclass(frozen=True)
class AttachmentPart:
    """One supporting document as the packet appends it."""

    number: int
    kind: str  # the kind's label, as printed
    document_date: date
    pages: int
    pdf: bytes  # the cleaned PDF (``documents.sanitize_upload``)
    sha256: str
    kind_code: str = ""
    source_type: str = ""

    @property
    def page_numbers(self) -> range:
        return range(1, self.pages + 1)


class CompositionError(ValueError):
    """The rendered packet does not have the attachment pages it should."""


def compose_packet(packet_pdf: bytes, attachments: Sequence[AttachmentPart]) -> bytes:
    """Draw every attachment page onto its page at the end of ``packet_pdf``.

    ``packet_pdf`` is the packet rendered with these ``attachments`` in its context;
    without attachments it is returned as it is.
    """
    if not attachments:
        return packet_pdf
    expected = sum(part.pages for part in attachments)
    with pikepdf.open(io.BytesIO(packet_pdf)) as packet:
        total = len(packet.pages)
        if total <= expected:
            raise CompositionError(
                f"the packet has {total} pages, fewer than its {expected} attachment"
                " pages and its own"
            )
        target = total - expected
        box = pikepdf.Rectangle(*ATTACHMENT_BOX)
        for part in attachments:
            with pikepdf.open(io.BytesIO(part.pdf)) as source:
                if len(source.pages) != part.pages:
                    raise CompositionError(
                        f"attachment {part.number} has {len(source.pages)} pages,"
                        f" {part.pages} recorded"
                    )
                for number, page in enumerate(source.pages, 1):
                    name = f"/PAattachment{part.number}p{number}"
                    _place(packet, packet.pages[target], page, box, name)
                    target += 1
        out = io.BytesIO()
        packet.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


def _place(
    packet: pikepdf.Pdf,
    slot: pikepdf.Page,
    page: pikepdf.Page,
    box: pikepdf.Rectangle,
    name: str,
) -> None:
    """Draw ``page`` into ``box`` of ``slot``, fitted, centred, never enlarged.

    Like ``Page.add_overlay``, with a fixed resource name (``add_overlay`` picks a
    random one, and the output must be the same bytes every time)."""
    mediabox = [float(v) for v in slot.mediabox]
    if (round(mediabox[2] - mediabox[0]), round(mediabox[3] - mediabox[1])) != (
        round(_PAGE[0]),
        round(_PAGE[1]),
    ):
        raise CompositionError("an attachment page of the packet is not Letter size")
    drawing = packet.copy_foreign(page.as_form_xobject())
    placed = slot.add_resource(drawing, pikepdf.Name.XObject, name=pikepdf.Name(name))
    stream = slot.calc_form_xobject_placement(
        drawing, placed, box, allow_shrink=True, allow_expand=False
    )
    slot.contents_add(b"q\n", prepend=True)
    slot.contents_add(b"Q\n", prepend=False)
    slot.contents_add(stream, prepend=False)
    slot.contents_coalesce()
