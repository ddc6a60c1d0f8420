"""Words only the packet prints: the attestation and the cross-walk's labels."""

from __future__ import annotations

ATTESTATION = (
    "I am the physician responsible for this request. I have reviewed the clinical information "
    "in this packet; it is accurate and supported by the patient's medical record, and the "
    "requested procedure is medically necessary for this patient."
)

# What the physician signs on an appeal (issue 15): draft and signed alike.
APPEAL_ATTESTATION = (
    "I am the physician responsible for this request. I have reviewed this request "
    "for reconsideration and the documentation it cites; it is accurate and "
    "supported by the patient's medical record, and the procedure is medically "
    "necessary for this patient."
)

# What a cross-walk row says in its status column. Open criteria appear in a
# signed packet only with the physician's clinical rationale (signing refuses
# otherwise); the other two open labels are for the draft the physician reviews.
MET = "Met"
NOT_APPLICABLE = "Not applicable"
RATIONALE = "Clinical rationale"
AWAITING = "Physician's rationale to add"
NOT_DOCUMENTED = "Not documented"
AWAITING_SIGNATURE = "Signed in section 7 when the physician signs"
