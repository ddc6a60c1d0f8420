"""The request in the standard electronic format: Da Vinci PAS (FHIR R4).

Pure Python on the rules and the packet's cross-walk wording, like ``packet``: no
models, no services, no Django. ``bundle`` turns a request's facts and evaluation into
a PAS request Bundle; ``response`` reads a PAS ClaimResponse into a decision. The
services store what ``response`` reads; docs/pas.md maps every element to its source.
"""

from .bundle import (
    ClaimId,
    PacketFile,
    PasBuildError,
    Requester,
    build_request_bundle,
    claim_url,
    references,
)
from .response import PasResponseError, PayerDecision, read_claim_response

__all__ = [
    "ClaimId",
    "PacketFile",
    "PasBuildError",
    "PasResponseError",
    "PayerDecision",
    "Requester",
    "build_request_bundle",
    "claim_url",
    "read_claim_response",
    "references",
]
