"""Read the payer's answer: a PAS ClaimResponse (bare or in a PAS response Bundle).

Pure: bytes in, a ``PayerDecision`` out, or ``PasResponseError`` with every reason
the file cannot be used. The decision comes from the X12 306 review action codes
PAS puts in ``adjudication.extension[reviewAction].extension[code]`` (claim level,
item level or added items): A1 certified in total, A2 certified in part and A6
modified are an approval; A3 not certified a denial; A4 pended and CT contact payer
a pend. C (cancelled) and NA (no action required) are not decisions this app
records, and a response with ``outcome`` = error is the payer refusing the request
as sent. Which request and patient it answers is read here too; the service checks
them against the request before it records anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fhir.resources.R4B.claimresponse import ClaimResponse
from pydantic import ValidationError

from . import systems as s

MAX_BYTES = 5 * 1024 * 1024
_REVIEW_ACTION = s.extension("reviewAction")
_ITEM_PERIOD = s.extension("itemPreAuthPeriod")
_ITEM_AUTH_NUMBER = s.extension("authorizationNumber")
_ITEM_DETAIL = s.extension("itemAuthorizedDetail")
_ADMIN_REFERENCE = s.extension("administrationReferenceNumber")


class PasResponseError(ValueError):
    """The file is not a usable PAS ClaimResponse; ``errors`` says every reason."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


@dataclass(frozen=True)
class PayerDecision:
    decision: str  # "approved", "denied" or "pended"
    claim_value: str  # our Claim identifier's value the response answers
    member_ids: frozenset[str]  # the patient's identifiers as the response gives them
    authorization_number: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    approved_units: int | None = None
    denial_reason: str = ""
    pend_reason: str = ""
    review_actions: tuple[str, ...] = ()  # the X12 306 codes, in document order
    response_id: str = ""  # the ClaimResponse's own identifier value
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Action:
    code: str
    number: str = ""
    reasons: list[str] = field(default_factory=list)
    item: dict[str, Any] | None = None  # the response item it belongs to


def _load(data: bytes | str) -> Any:
    if len(data) > MAX_BYTES:
        raise PasResponseError(
            [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."]
        )
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PasResponseError(
            [f"The file is not JSON ({exc}). Upload the payer's PAS ClaimResponse."]
        ) from None


def _find_response(doc: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The ClaimResponse and the bundle's resources by fullUrl and Type/id."""
    if not isinstance(doc, dict) or "resourceType" not in doc:
        raise PasResponseError(
            ["The file is JSON but not a FHIR resource (no resourceType)."]
        )
    kind = str(doc["resourceType"])[:40]
    if kind == "ClaimResponse":
        return doc, {}
    if kind != "Bundle":
        raise PasResponseError(
            [
                f"The file is a FHIR {kind}, not a PAS ClaimResponse or a response"
                " Bundle."
            ]
        )
    resources: dict[str, dict[str, Any]] = {}
    responses = []
    first = None
    entries = doc.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        first = first or resource.get("resourceType")
        if entry.get("fullUrl"):
            resources[str(entry["fullUrl"])] = resource
        if resource.get("id"):
            resources[f"{resource.get('resourceType')}/{resource['id']}"] = resource
        if resource.get("resourceType") == "ClaimResponse":
            responses.append(resource)
    if not responses:
        if first == "Claim":
            raise PasResponseError(
                [
                    "The file is a PAS request bundle (our Claim), not the payer's "
                    "response."
                ]
            )
        raise PasResponseError(["The Bundle holds no ClaimResponse."])
    if len(responses) > 1:
        raise PasResponseError(
            [
                f"The Bundle holds {len(responses)} ClaimResponses; a PAS response "
                "holds one. Import each answer on its own."
            ]
        )
    return responses[0], resources


def _resolve(ref: Any, resources: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if not isinstance(ref, dict) or not ref.get("reference"):
        return None
    target = str(ref["reference"])
    if target in resources:
        return resources[target]
    tail = "/".join(target.rstrip("/").split("/")[-2:])  # absolute URL -> Type/id
    return resources.get(tail)


def _identifiers(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    return [i for i in value or [] if isinstance(i, dict) and i.get("value")]


def _claim_value(
    response: dict[str, Any],
    resources: dict[str, dict[str, Any]],
    system: str,
    claim_urls: dict[str, str],
) -> str:
    request = response.get("request") or {}
    if str(request.get("reference", "")) in claim_urls:
        return claim_urls[str(request["reference"])]
    candidates = _identifiers(request.get("identifier"))
    claim = _resolve(request, resources)
    if claim is not None:
        candidates += _identifiers(claim.get("identifier"))
    candidates += _identifiers(response.get("identifier"))
    ours = [str(i["value"]) for i in candidates if i.get("system") == system]
    if ours:
        return ours[0]
    senders = sorted(
        {
            str(i["system"])
            for i in candidates
            if str(i.get("system", "")).startswith("urn:trnorg:")
        }
    )
    if senders:
        raise PasResponseError(
            [
                f"This response answers a request sent by {', '.join(senders)}, not by "
                "this practice. Nothing was recorded."
            ]
        )
    raise PasResponseError(
        [
            "The response does not name the request it answers (no identifier of our "
            "Claim). Nothing was recorded."
        ]
    )


def _member_ids(
    response: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> frozenset[str]:
    ref = response.get("patient") or {}
    found = _identifiers(ref.get("identifier"))
    patient = _resolve(ref, resources)
    if patient is not None:
        found += _identifiers(patient.get("identifier"))
    return frozenset(str(i["value"]).strip() for i in found)


def _concepts(value: Any) -> list[str]:
    """Readable words for CodeableConcepts: "display (code)", or the text."""
    out = []
    for concept in value if isinstance(value, list) else [value]:
        if not isinstance(concept, dict):
            continue
        for coding in concept.get("coding") or []:
            code, display = coding.get("code", ""), coding.get("display", "")
            out.append(f"{display} ({code})" if display and code else display or code)
        if not concept.get("coding") and concept.get("text"):
            out.append(concept["text"])
    return [o for o in out if o]


def _sub(ext: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in ext.get("extension") or [] if e.get("url") == url]


def _review_actions(response: dict[str, Any]) -> list[_Action]:
    holders: list[tuple[dict[str, Any] | None, dict[str, Any]]] = [
        (None, a) for a in response.get("adjudication") or []
    ]
    for key in ("item", "addItem"):
        for item in response.get(key) or []:
            holders += [(item, a) for a in item.get("adjudication") or []]
    actions = []
    for item, adjudication in holders:
        for ext in adjudication.get("extension") or []:
            if ext.get("url") != _REVIEW_ACTION:
                continue
            codes = [
                coding.get("code", "")
                for sub in _sub(ext, "code")
                for coding in (sub.get("valueCodeableConcept") or {}).get("coding")
                or []
            ]
            if not codes:
                continue
            number = next(
                (sub.get("valueString", "") for sub in _sub(ext, "number")), ""
            )
            reasons = [
                word
                for sub in _sub(ext, "reasonCode")
                for word in _concepts(sub.get("valueCodeableConcept"))
            ]
            actions.append(_Action(codes[0], number, reasons, item))
    return actions


def _item_ext(item: dict[str, Any] | None, url: str) -> dict[str, Any] | None:
    for ext in (item or {}).get("extension") or []:
        if ext.get("url") == url:
            return ext
    return None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _notes(response: dict[str, Any], resources: dict[str, dict[str, Any]]) -> list[str]:
    """What the payer wrote: process notes and communication requests' payloads."""
    notes = [
        str(n["text"]).strip()
        for n in response.get("processNote") or []
        if isinstance(n, dict) and n.get("text")
    ]
    for ref in response.get("communicationRequest") or []:
        request = _resolve(ref, resources) or {}
        payloads = request.get("payload")
        for payload in payloads if isinstance(payloads, list) else []:
            if not isinstance(payload, dict):
                continue
            attachment = payload.get("contentAttachment")
            if payload.get("contentString"):
                notes.append(str(payload["contentString"]).strip())
            elif isinstance(attachment, dict) and attachment.get("title"):
                notes.append(str(attachment["title"]).strip())
    return notes


def read_claim_response(
    data: bytes | str,
    *,
    claim_system: str,
    claim_urls: dict[str, str] | None = None,
) -> PayerDecision:
    """Read a PAS ClaimResponse (or a response Bundle) answering ``claim_system``'s
    Claim. ``claim_urls`` maps our Claims' fullUrls to their identifier values, for a
    response whose ``request`` references the Claim only by it. Raises
    ``PasResponseError`` when it is not one, or holds no decision."""
    response, resources = _find_response(_load(data))
    try:
        ClaimResponse.model_validate(response)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'ClaimResponse'}: {e['msg']}"
            for e in exc.errors()[:3]
        )
        raise PasResponseError(
            [f"The ClaimResponse is not valid FHIR R4 ({problems})."]
        ) from None
    if response.get("use") != "preauthorization":
        raise PasResponseError(
            [
                f"The ClaimResponse is a {str(response.get('use'))[:20]}, not a "
                "preauthorization."
            ]
        )
    claim_value = _claim_value(response, resources, claim_system, claim_urls or {})
    member_ids = _member_ids(response, resources)
    if not member_ids:
        raise PasResponseError(
            [
                "The response does not identify the patient (no member ID), so it "
                "cannot be matched to this request. Nothing was recorded."
            ]
        )
    if response.get("outcome") == "error":
        codes = [
            w for e in response.get("error") or [] for w in _concepts(e.get("code"))
        ]
        raise PasResponseError(
            [
                "The payer refused the request as sent (outcome error"
                + (f": {', '.join(codes)}" if codes else "")
                + "). Correct it and submit again; no decision was recorded."
            ]
        )
    actions = _review_actions(response)
    if not actions:
        raise PasResponseError(
            [
                "The response carries no review action (X12 306 code), so it holds "
                "no decision yet. Nothing was recorded."
            ]
        )
    unknown = sorted({a.code[:10] for a in actions if a.code not in s.REVIEW_ACTIONS})[
        :5
    ]
    if unknown:
        raise PasResponseError(
            [f"Review action code(s) {', '.join(unknown)} are not X12 306 codes."]
        )
    decided = [a for a in actions if s.REVIEW_ACTIONS[a.code][0]]
    if not decided:
        words = ", ".join(f"{s.REVIEW_ACTIONS[a.code][1]} ({a.code})" for a in actions)
        raise PasResponseError(
            [f"The payer's answer is {words}: not a decision this app records."]
        )
    kinds = {s.REVIEW_ACTIONS[a.code][0] for a in decided}
    common = {
        "claim_value": claim_value,
        "member_ids": member_ids,
        "review_actions": tuple(a.code for a in actions),
        "response_id": next(
            (str(i["value"]) for i in _identifiers(response.get("identifier"))), ""
        ),
    }
    notes = _notes(response, resources)
    if s.PENDED in kinds:
        return _pended(response, decided, notes, common)
    if s.APPROVED in kinds:
        return _approved(response, decided, common)
    reasons = [r for a in decided for r in a.reasons] + notes
    return PayerDecision(
        decision=s.DENIED,
        denial_reason="; ".join(dict.fromkeys(reasons))
        or "Not certified (X12 306 A3); the response gives no reason.",
        **common,
    )


def _pended(
    response: dict[str, Any],
    decided: list[_Action],
    notes: list[str],
    common: dict[str, Any],
) -> PayerDecision:
    pended = [a for a in decided if s.REVIEW_ACTIONS[a.code][0] == s.PENDED]
    asked = [r for a in pended for r in a.reasons] + notes
    if any(a.code == "CT" for a in pended):
        asked.append("Contact the payer")
    refs = [
        str(ext.get("valueString"))
        for a in pended
        if (ext := _item_ext(a.item, _ADMIN_REFERENCE)) and ext.get("valueString")
    ]
    if refs:
        asked.append(f"payer reference {', '.join(dict.fromkeys(refs))}")
    return PayerDecision(
        decision=s.PENDED,
        pend_reason="; ".join(dict.fromkeys(asked))
        or "Pended (X12 306 A4); the response does not say what is needed: "
        "ask the payer.",
        **common,
    )


def _approved(
    response: dict[str, Any], decided: list[_Action], common: dict[str, Any]
) -> PayerDecision:
    certified = [a for a in decided if s.REVIEW_ACTIONS[a.code][0] == s.APPROVED]
    number = str(response.get("preAuthRef") or "")
    for a in certified:
        ext = _item_ext(a.item, _ITEM_AUTH_NUMBER)
        number = number or a.number or str((ext or {}).get("valueString") or "")
    period = response.get("preAuthPeriod") or {}
    for a in certified:
        ext = _item_ext(a.item, _ITEM_PERIOD)
        period = period or (ext or {}).get("valuePeriod") or {}
    units = []
    for a in certified:
        detail = _item_ext(a.item, _ITEM_DETAIL) or {}
        quantity = [
            sub.get("valueQuantity", {}).get("value")
            for sub in _sub(detail, "quantity")
        ]
        units.append(quantity[0] if quantity else None)
    errors = []
    if not number:
        errors.append(
            "The payer approved the request but the response has no authorization "
            "number (preAuthRef): record the decision by hand from the payer's letter."
        )
    valid_from, valid_to = _date(period.get("start")), _date(period.get("end"))
    if valid_from is None or valid_to is None:
        errors.append(
            "The payer approved the request but the response has no complete "
            "authorization period (preAuthPeriod start and end): record the decision "
            "by hand from the payer's letter."
        )
    if errors:
        raise PasResponseError(errors)
    not_certified = [
        f"line {(a.item or {}).get('itemSequence', '?')} not certified"
        + (f": {'; '.join(a.reasons)}" if a.reasons else "")
        for a in decided
        if s.REVIEW_ACTIONS[a.code][0] == s.DENIED
    ]
    partial = [
        f"line {(a.item or {}).get('itemSequence', '?')} "
        f"{s.REVIEW_ACTIONS[a.code][1].lower()} ({a.code})"
        for a in certified
        if a.code != "A1"
    ]
    return PayerDecision(
        decision=s.APPROVED,
        authorization_number=number.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        approved_units=int(sum(units))
        if units and all(isinstance(u, int | float) for u in units)
        else None,
        notes=tuple(partial + not_certified),
        **common,
    )
