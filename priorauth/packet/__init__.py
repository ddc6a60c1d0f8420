"""What the insurer reads: the letter, the tables and the criteria cross-walk,
rendered to PDF (``packet.pdf``) and signed by the physician (``packet.signing``).
It presents the rules' outcomes and never judges a criterion itself.
"""

from .context import (
    ATTESTATION,
    PracticeInfo,
    SignatureInfo,
    build_packet_context,
    practice_info,
)

__all__ = [
    "ATTESTATION",
    "PracticeInfo",
    "SignatureInfo",
    "build_packet_context",
    "practice_info",
]
