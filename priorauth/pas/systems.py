"""Code systems, profile URLs and the few codes the PAS bundle uses (data, not logic).

Sources: the Da Vinci PAS implementation guide 2.2.1 (FHIR 4.0.1), its FSH profiles
(``input/fsh/Claim.fsh``, ``ClaimResponse.fsh``, ``Terminology.fsh``, ``Examples.fsh``
in github.com/HL7/davinci-pas) and the X12 code lists the IG binds to.
"""

from __future__ import annotations

PAS = "http://hl7.org/fhir/us/davinci-pas"
PAS_SD = f"{PAS}/StructureDefinition"
PAS_TEMP_CODES = f"{PAS}/CodeSystem/PASTempCodes"


def profile(name: str) -> str:
    return f"{PAS_SD}/profile-{name}"


def extension(name: str) -> str:
    return f"{PAS_SD}/extension-{name}"


# Code systems.
X12 = "https://codesystem.x12.org/005010"
X12_ENTITY = f"{X12}/98"  # NM101 entity identifier codes
X12_SERVICE_TYPE = f"{X12}/1365"  # UM03 service type codes
X12_REQUEST_TYPE = f"{X12}/1525"  # UM01 request category
X12_CERTIFICATION_TYPE = f"{X12}/1322"  # UM02 certification type
X12_REPORT_TYPE = f"{X12}/755"  # PWK01 attachment report type
X12_TRANSMISSION = f"{X12}/756"  # PWK02 attachment transmission code
X12_UNITS = f"{X12}/673"  # HSD01 quantity qualifier
X12_RELATIONSHIP = f"{X12}/1069"  # INS02 individual relationship code
X12_REVIEW_ACTION = f"{X12}/306"  # HCR01 action code
X12_REJECT_REASON = f"{X12}/901"  # AAA03 reject reason
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
LOINC = "http://loinc.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
SUBSCRIBER_RELATIONSHIP = (
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
)
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
SOURCE_OF_PAYMENT = "urn:oid:2.16.840.1.113883.3.221.5"  # PHDSC payer typology
DOCREF_CATEGORY = (
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
)

# Modifiers: 50 is a CPT modifier, RT/LT/KX are HCPCS Level II modifiers.
CPT_MODIFIERS = frozenset({"50"})

# Source of Payment Typology per payer kind (rules.facts.PayerKind values).
PAYER_TYPE = {
    "medicare": ("1", "MEDICARE"),
    "medicare_advantage": ("11", "Medicare (Managed Care)"),
    "bcbs": ("6", "BLUE CROSS/BLUE SHIELD"),
    "bcbs_ma": ("6", "BLUE CROSS/BLUE SHIELD"),
}
PAYER_TYPE_DEFAULT = ("5", "PRIVATE HEALTH INSURANCE")

# Identifier systems of this application (no network name is implied).
MEMBER_ID_SYSTEM = "urn:priorauth:member-id"  # + ":<payer profile key>"
QUESTIONNAIRE = "urn:priorauth:questionnaire:payer-criteria"
OUTCOME_STATUS = "urn:priorauth:criterion-status"
BUNDLE_TAGS = "urn:priorauth:pas"

# X12 306 (HCR01) review action codes, as PAS ClaimResponse carries them in
# item.adjudication.extension[reviewAction].extension[code]: what each means here.
APPROVED, DENIED, PENDED = "approved", "denied", "pended"
REVIEW_ACTIONS = {
    "A1": (APPROVED, "Certified in total"),
    "A2": (APPROVED, "Certified, partial"),
    "A6": (APPROVED, "Modified"),
    "A3": (DENIED, "Not certified"),
    "A4": (PENDED, "Pended"),
    "CT": (PENDED, "Contact payer"),
    "C": (None, "Cancelled"),
    "NA": (None, "No action required"),
}
