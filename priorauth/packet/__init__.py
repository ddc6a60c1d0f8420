"""What the insurer reads: the letter, the tables and the criteria cross-walk, rendered
to PDF (``packet.pdf``) and signed (``packet.signing``); it presents rules' outcomes.
Imports the rules, Django's templates and settings; never models, services or web.
"""

from .context import (
    ATTESTATION,
    PracticeInfo,
    SignatureInfo,
    build_packet_context,
    practice_info,
    review_facts,
)

__all__ = [
    "ATTESTATION",
    "PracticeInfo",
    "SignatureInfo",
    "build_packet_context",
    "practice_info",
    "review_facts",
]
