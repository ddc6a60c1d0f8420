"""Build the demo and serialize it: the text of fixtures/demo.json."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management import call_command

from priorauth import models as m
from priorauth.demo import factories
from priorauth.demo.cases import CASES
from priorauth.demo.scenarios import DEMO_SEED, practices

# Every model the demo has rows of, in the order the fixture lists (and loads) them.
DEMO_MODELS = (
    m.Practice,
    m.User,
    m.Provider,
    m.Facility,
    m.Patient,
    m.PriorProcedure,
    m.AuthRequest,
    m.RequestLevel,
    m.ConservativeCare,
    m.ImagingStudy,
    m.Diagnosis,
)


def build_demo() -> None:
    """Create the demo (payer profiles already loaded), the same on every call."""
    factories.reseed(DEMO_SEED)
    both = practices()
    for case in CASES:
        case(both)


def demo_fixture_json() -> str:
    """Build the demo into the current database, which must be migrated and hold
    none of it (primary keys then follow the build order), and return the fixture:
    every demo row by model and pk, payer profiles and users by natural key."""
    if any(model.objects.exists() for model in DEMO_MODELS):
        raise RuntimeError("the demo is built into a database without demo rows")
    call_command(
        "loaddata",
        str(Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"),
        verbosity=0,
    )
    build_demo()
    rows = [row for model in DEMO_MODELS for row in model.objects.order_by("pk")]
    text = serializers.serialize("json", rows, indent=1, use_natural_foreign_keys=True)
    return text + "\n"
