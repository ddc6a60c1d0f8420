"""Personas and reference data, built once in code (tests do not load demo fixtures).

- billing_user: billing staff of `practice`; creates and edits requests, renders drafts.
- physician_user: physician of `practice`; may also sign.
- admin_user: practice admin of `practice`; manages users and payer profiles.
- outsider_user: billing staff of `other_practice`; must see nothing of `practice`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fast_hasher(settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The same for the Argon2id that seals physicians' signing keys (the real cost
    # is tested in test_signing_keys.py).
    from priorauth.packet import keys

    monkeypatch.setattr(
        keys, "KEY_KDF", keys.KdfCost(iterations=1, memory_kib=64, lanes=1)
    )


@pytest.fixture(autouse=True)
def _attachment_storage(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Supporting documents and rendered drafts go to fresh folders per test, never
    into var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("attachments"))},
        },
        "renditions": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("renditions"))},
        },
    }


@pytest.fixture
def payer_profiles(db):  # type: ignore[no-untyped-def]
    """The payer profiles from fixtures/payer_profiles.json, keyed by profile key."""
    from priorauth.models import PayerProfile

    path = ROOT / "fixtures" / "payer_profiles.json"
    if path.exists():
        for row in json.loads(path.read_text()):
            fields = dict(row["fields"])
            PayerProfile.objects.update_or_create(
                key=fields.pop("key"), version=fields.pop("version"), defaults=fields
            )
    else:  # before the rules fixture exists
        PayerProfile.objects.create(
            key="medicare",
            name="Original Medicare",
            kind="medicare",
            version=1,
            effective_date=date(2024, 7, 14),
            policy_id="LCD L38803 / A58405",
            thresholds={},
        )
    return {p.key: p for p in PayerProfile.objects.all()}


@pytest.fixture
def practice(db):  # type: ignore[no-untyped-def]
    from priorauth.models import Practice

    # UTC, so "today" in a view (the practice's zone) is the test's own date at any
    # hour; tests of the zones set one explicitly.
    return Practice.objects.create(
        name="Test Spine Practice", phone="555-0100", fax="555-0101", time_zone="UTC"
    )


@pytest.fixture
def other_practice(db):  # type: ignore[no-untyped-def]
    from priorauth.models import Practice

    return Practice.objects.create(name="Other Pain Clinic", time_zone="UTC")


def _make_user(practice, username: str, role: str, **extra):  # type: ignore[no-untyped-def]
    from priorauth.models import User

    user = User(
        username=username,
        practice=practice,
        role=role,
        first_name=username.title(),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def billing_user(practice):  # type: ignore[no-untyped-def]
    return _make_user(practice, "billie", "billing")


@pytest.fixture
def physician_user(practice):  # type: ignore[no-untyped-def]
    return _make_user(
        practice,
        "drphys",
        "physician",
        last_name="Phys",
        credentials="MD",
        npi="1234567893",
    )


@pytest.fixture
def admin_user(practice):  # type: ignore[no-untyped-def]
    return _make_user(practice, "padmin", "admin")


@pytest.fixture
def outsider_user(other_practice):  # type: ignore[no-untyped-def]
    return _make_user(other_practice, "outsider", "billing")


@pytest.fixture
def provider(practice, physician_user):  # type: ignore[no-untyped-def]
    from priorauth.models import Provider

    return Provider.objects.create(
        practice=practice,
        name="Dana Phys",
        credentials="MD",
        npi="1234567893",
        specialty="Pain medicine",
        user=physician_user,
    )


@pytest.fixture
def facility(practice):  # type: ignore[no-untyped-def]
    from priorauth.models import Facility

    return Facility.objects.create(
        practice=practice,
        name="Test Surgery Center",
        npi="1245319599",
        place_of_service="24",
    )


@pytest.fixture
def patient(practice, payer_profiles):  # type: ignore[no-untyped-def]
    from priorauth.models import Patient

    return Patient.objects.create(
        practice=practice,
        first_name="Sam",
        last_name="Synthetic",
        dob=date(1958, 3, 14),
        sex="F",
        member_id="ZZT900000001",
        payer_profile=payer_profiles["medicare"],
        plan_name="Medicare Part B",
    )


def _client_for(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


@pytest.fixture
def client_billing(client, billing_user):  # type: ignore[no-untyped-def]
    return _client_for(client, billing_user)


@pytest.fixture
def client_physician(client, physician_user):  # type: ignore[no-untyped-def]
    return _client_for(client, physician_user)


@pytest.fixture
def client_outsider(client, outsider_user):  # type: ignore[no-untyped-def]
    return _client_for(client, outsider_user)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """PostgreSQL with PRIORAUTH_DB_APP_ROLE set (CI): pytest-django has just created
    and migrated the test database as the login role, the tables' owner, as a deploy's
    `migrate` would (and migrate granted the app role its privileges). From here on
    every new connection runs SET ROLE to the app role (Django's `assume_role`), so
    every test, the live server's threads included, runs with the app role's
    privileges: it owns no table and may not UPDATE, DELETE or TRUNCATE the
    append-only ones. The owner comes back only to flush (below) and to drop the
    test database."""
    from django.conf import settings
    from django.db import connections

    database = connections["default"]
    role = settings.PRIORAUTH_DB_APP_ROLE
    if database.vendor != "postgresql" or not role:
        yield
        return
    options = database.settings_dict.setdefault("OPTIONS", {})
    options["assume_role"] = role
    connections.close_all()  # the migrate connection is the owner's
    yield
    options.pop("assume_role", None)
    connections.close_all()


def _as_table_owner(connection) -> None:  # type: ignore[no-untyped-def]
    """Drop from the app role back to the login role (the owner), on PostgreSQL
    when the suite runs as the app role; inside a test's transaction, the rollback
    at its end restores the app role."""
    if connection.vendor == "postgresql" and connection.settings_dict.get(
        "OPTIONS", {}
    ).get("assume_role"):
        with connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")


@pytest.fixture
def as_table_owner(db):  # type: ignore[no-untyped-def]
    """For tests that play a deploy step (migrate re-installing dropped triggers)."""
    from django.db import connection

    _as_table_owner(connection)


@pytest.fixture(autouse=True)
def _append_only_triggers_allow_flush(request):  # type: ignore[no-untyped-def]
    """A transactional test's flush (DELETE FROM every table on SQLite, TRUNCATE on
    PostgreSQL) would hit the audit/signed-document triggers. Drop them just before
    the flush, as the table owner; the flush's post_migrate signal re-installs them
    (security.audit._reinstall_triggers) and re-applies the app role's grants, and
    Django then closes the connection, so the next test is the app role again."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from priorauth.security import db_triggers

    _as_table_owner(connection)
    db_triggers.uninstall(connection)
