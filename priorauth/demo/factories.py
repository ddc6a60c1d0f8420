"""factory_boy factories, one per model, for the demo builder and the tests.

What they generate is synthetic by construction: patient surnames come from
``SYNTHETIC_SURNAMES`` (words nobody is called, so a demo or test patient can never
pass for a real one), NPIs are random with a valid check digit, member IDs are
random in the payer's format, e-mail addresses are under ``example.invalid``.
Random values come from Faker through factory_boy's generator: after
``factory.random.reseed_random(seed)`` (``scenarios.build_demo`` does it) the same
calls give the same values.

Payer profiles are reference data, loaded from ``fixtures/payer_profiles.json``
(never built here): ``payer=<key>`` picks a loaded one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import factory
import factory.random
from factory.django import DjangoModelFactory

from django.contrib.auth.hashers import make_password

from priorauth import models as m
from priorauth.rules.validation import npi_is_valid

SYNTHETIC_SURNAMES = (
    "Placeholder",
    "Testcase",
    "Specimen",
    "Synthetic",
    "Fixture",
    "Example",
    "Mockup",
    "Dummy",
    "Prototype",
    "Sampledata",
    "Notreal",
    "Fakename",
)

# Random member IDs in each payer's shape (bothify: # digit, % digit 1-9, ? letter).
MEMBER_ID_FORMATS = {
    "medicare": "%??#??#??##",  # the MBI's shape
    "medicare_advantage": "?#########",
    "aetna": "W#########",
    "evicore": "U##########",
    "carelon": "???#########",
    "bcbs": "???#########",
    "bcbs_ma": "XMA#########",
    "commercial": "GEN#######",
}
MEMBER_ID_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # no S, L, O, I, B, Z, as in an MBI


def payer_profile(key: str, version: int = 1) -> m.PayerProfile:
    """A payer profile loaded from fixtures/payer_profiles.json."""
    return m.PayerProfile.objects.get(key=key, version=version)


def npi_with_check_digit(first_nine: str) -> str:
    """The NPI whose first nine digits are given (the tenth is the Luhn check digit)."""
    return next(first_nine + d for d in "0123456789" if npi_is_valid(first_nine + d))


def _npi() -> factory.LazyAttribute:
    return factory.LazyAttribute(lambda o: npi_with_check_digit(o.npi_first_nine))


class PracticeFactory(DjangoModelFactory):
    class Meta:
        model = m.Practice

    name = factory.Sequence(lambda n: f"Demo Spine Practice {n} (demo)")
    phone = factory.Faker("numerify", text="555-01##")  # 555-0100..0199: fictional
    fax = factory.Faker("numerify", text="555-01##")
    address = factory.Faker("numerify", text="### Example Way, Phoenix, AZ 85001")
    contact_name = factory.Faker("name")


class UserFactory(DjangoModelFactory):
    """Billing staff by default; ``PhysicianUserFactory`` and ``AdminUserFactory``
    for the other roles. ``raw_password`` is hashed with the configured hasher."""

    class Meta:
        model = m.User
        skip_postgeneration_save = True

    class Params:
        raw_password = "correct-horse-battery-9"

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyAttribute(lambda o: make_password(o.raw_password))
    practice = factory.SubFactory(PracticeFactory)
    role = m.User.Role.BILLING
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    is_active = True
    is_staff = False


class PhysicianUserFactory(UserFactory):
    class Params:
        npi_first_nine = factory.Faker("numerify", text="1########")

    role = m.User.Role.PHYSICIAN
    credentials = "MD"
    npi = _npi()


class AdminUserFactory(UserFactory):
    role = m.User.Role.ADMIN
    is_staff = True


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = m.Provider

    class Params:
        npi_first_nine = factory.Faker("numerify", text="1########")

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Faker("name")
    credentials = "MD"
    npi = _npi()
    specialty = "Interventional pain medicine"
    user = None


class FacilityFactory(DjangoModelFactory):
    class Meta:
        model = m.Facility

    class Params:
        npi_first_nine = factory.Faker("numerify", text="1########")

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Demo Surgery Center {n}")
    npi = _npi()
    place_of_service = m.Facility.PlaceOfService.ASC


class PatientFactory(DjangoModelFactory):
    """A synthetic patient of ``payer`` (a payer profile key): the surname from
    ``SYNTHETIC_SURNAMES``, a first name matching ``sex``, born 1940-1958 when on
    Medicare (so 65 or older) and 1962-1995 otherwise."""

    class Meta:
        model = m.Patient

    class Params:
        payer = "medicare"
        on_medicare = factory.LazyAttribute(lambda o: o.payer.startswith("medicare"))
        born_from = factory.LazyAttribute(
            lambda o: dt.date(1940, 1, 1) if o.on_medicare else dt.date(1962, 1, 1)
        )
        born_to = factory.LazyAttribute(
            lambda o: dt.date(1958, 12, 31) if o.on_medicare else dt.date(1995, 12, 31)
        )
        female = factory.LazyAttribute(lambda o: o.sex == m.Patient.Sex.FEMALE)
        male = factory.LazyAttribute(lambda o: o.sex == m.Patient.Sex.MALE)

    practice = factory.SubFactory(PracticeFactory)
    sex = factory.Faker("random_element", elements=("F", "M"))
    first_name = factory.Maybe(
        "female",
        factory.Faker("first_name_female"),
        factory.Maybe(
            "male", factory.Faker("first_name_male"), factory.Faker("first_name")
        ),
    )
    last_name = factory.Sequence(
        lambda n: SYNTHETIC_SURNAMES[n % len(SYNTHETIC_SURNAMES)]
    )
    dob = factory.Faker(
        "date_between_dates",
        date_start=factory.SelfAttribute("..born_from"),
        date_end=factory.SelfAttribute("..born_to"),
    )
    payer_profile = factory.LazyAttribute(lambda o: payer_profile(o.payer))
    member_id = factory.Faker(
        "bothify",
        text=factory.LazyAttribute(
            lambda o: MEMBER_ID_FORMATS.get(o.factory_parent.payer, "???#########")
        ),
        letters=MEMBER_ID_LETTERS,
    )
    plan_name = factory.LazyAttribute(lambda o: o.payer_profile.name)
    mrn = factory.Sequence(lambda n: f"DEMO-{n + 1:04d}")


class PriorProcedureFactory(DjangoModelFactory):
    """One injection in the patient's history: a diagnostic MBB with 85 % relief
    for 6 hours unless told otherwise."""

    class Meta:
        model = m.PriorProcedure

    patient = factory.SubFactory(PatientFactory)
    date = dt.date(2026, 8, 12)
    procedure = "mbb"
    intent = "diagnostic"
    levels = "L4-L5"
    side = "bilateral"
    relief_percent = 85
    relief_duration_hours = 6
    scale = "NRS"
    agent = "lidocaine 2%"


class AuthRequestFactory(DjangoModelFactory):
    """A draft request for the patient, with the patient's practice, payer, a
    provider and a facility of that practice; complete enough to evaluate.

    Rows: ``levels=[(level, side, prior_count), ...]`` (default one bilateral
    L4-L5 level), ``diagnoses=[code, ...]`` (default M47.816), ``care=[{...}]``,
    ``imaging=[{...}]`` (ConservativeCare / ImagingStudy fields; default none) and
    ``builds_on=[history rows]``. ``created_at``/``updated_at`` are stored as given
    (the model's auto_now would replace them).
    """

    class Meta:
        model = m.AuthRequest
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    practice = factory.SelfAttribute("patient.practice")
    payer_profile = factory.SelfAttribute("patient.payer_profile")
    state_of_service = "AZ"
    ordering_provider = factory.SubFactory(
        ProviderFactory, practice=factory.SelfAttribute("..practice")
    )
    rendering_provider = factory.SelfAttribute("ordering_provider")
    facility = factory.SubFactory(
        FacilityFactory, practice=factory.SelfAttribute("..practice")
    )
    procedure_type = "mbb"
    intent = "diagnostic"
    date_of_service = dt.date(2027, 1, 19)
    guidance = "fluoroscopy"
    onset_date = dt.date(2025, 12, 1)
    pain_pattern = "axial"
    other_causes_excluded = True
    baseline_pain_scale = "NRS"
    baseline_pain_score = 7
    function_scale = "ODI"
    function_score = 42
    functional_impairment = (
        "Cannot stand longer than 15 minutes; stopped gardening; "
        "needs help with laundry."
    )
    rfa_planned = True

    @classmethod
    def _create(cls, model_class: type[m.AuthRequest], *args: Any, **kwargs: Any):  # type: ignore[override]
        stamps = {k: kwargs.pop(k) for k in ("created_at", "updated_at") if k in kwargs}
        request = super()._create(model_class, *args, **kwargs)
        if stamps:
            model_class.objects.filter(pk=request.pk).update(**stamps)
            for name, value in stamps.items():
                setattr(request, name, value)
        return request

    @factory.post_generation
    def levels(obj, create: bool, extracted: Iterable[tuple] | None, **kwargs: Any):  # type: ignore[no-untyped-def]
        rows = [("L4-L5", "bilateral", 0)] if extracted is None else extracted
        for position, (level, side, prior_count) in enumerate(rows):
            RequestLevelFactory(
                request=obj,
                position=position,
                level=level,
                side=side,
                prior_count=prior_count,
            )

    @factory.post_generation
    def diagnoses(obj, create: bool, extracted: Iterable[str] | None, **kwargs: Any):  # type: ignore[no-untyped-def]
        codes = ["M47.816"] if extracted is None else extracted
        for position, code in enumerate(codes):
            DiagnosisFactory(request=obj, position=position, code=code)

    @factory.post_generation
    def care(obj, create: bool, extracted: Iterable[Mapping] | None, **kwargs: Any):  # type: ignore[no-untyped-def]
        for row in extracted or ():
            ConservativeCareFactory(request=obj, **row)

    @factory.post_generation
    def imaging(obj, create: bool, extracted: Iterable[Mapping] | None, **kwargs: Any):  # type: ignore[no-untyped-def]
        for row in extracted or ():
            ImagingStudyFactory(request=obj, **row)

    @factory.post_generation
    def builds_on(
        obj, create: bool, extracted: Iterable[m.PriorProcedure] | None, **kwargs: Any
    ):  # type: ignore[no-untyped-def]
        if extracted:
            obj.builds_on.set(extracted)


class RequestLevelFactory(DjangoModelFactory):
    class Meta:
        model = m.RequestLevel

    request = factory.SubFactory(AuthRequestFactory, levels=[])
    position = 0
    level = "L4-L5"
    side = "bilateral"
    prior_count = 0


class ConservativeCareFactory(DjangoModelFactory):
    class Meta:
        model = m.ConservativeCare

    request = factory.SubFactory(AuthRequestFactory)
    kind = "physical_therapy"
    start = dt.date(2026, 1, 12)
    end = dt.date(2026, 3, 20)
    outcome = "failed"


class ImagingStudyFactory(DjangoModelFactory):
    class Meta:
        model = m.ImagingStudy

    request = factory.SubFactory(AuthRequestFactory)
    modality = "mri"
    date = dt.date(2026, 1, 20)
    levels = "L4-L5"
    findings = "Bilateral L4-L5 facet arthropathy; no stenosis."


class DiagnosisFactory(DjangoModelFactory):
    class Meta:
        model = m.Diagnosis

    request = factory.SubFactory(AuthRequestFactory, diagnoses=[])
    position = 0
    code = "M47.816"


def reseed(seed: int) -> None:
    """Make the next factory calls repeatable: Faker's and factory_boy's random
    generator from ``seed``, every ``Sequence`` back to 0."""
    factory.random.reseed_random(seed)
    for root in (
        PracticeFactory,
        UserFactory,
        ProviderFactory,
        FacilityFactory,
        PatientFactory,
        PriorProcedureFactory,
        AuthRequestFactory,
        RequestLevelFactory,
        ConservativeCareFactory,
        ImagingStudyFactory,
        DiagnosisFactory,
    ):
        root.reset_sequence()
