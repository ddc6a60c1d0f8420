"""The rendition cache and the draft rendered ahead (issue 16).

The renderer is replaced by a counting fake (its bytes are a hash of the HTML), so
these tests count renders and compare bytes; one test renders for real and checks
that a cached draft is byte-identical to a fresh render. No test measures time.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest

from django.core.checks import Warning as CheckWarning
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.ops import checks
from priorauth.packet import pdf
from priorauth.services import renditions, tasks
from priorauth.services.tasks import draft_render_ahead
from tests.packet_factory import make_request

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class FakeRenderer:
    """Stands in for ``pdf.html_to_pdf``: counts calls, optionally blocks or fails."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release: threading.Event | None = None
        self.fail = False

    def __call__(self, html: str, **kwargs: object) -> bytes:
        self.calls += 1
        self.started.set()
        if self.release is not None:
            assert self.release.wait(timeout=60), "test never released the render"
        if self.fail:
            raise RuntimeError("renderer crashed")
        return b"%PDF-1.7 fake " + hashlib.sha256(html.encode()).hexdigest().encode()


@pytest.fixture
def renderer(monkeypatch):  # type: ignore[no-untyped-def]
    fake = FakeRenderer()
    monkeypatch.setattr(pdf, "html_to_pdf", fake)
    return fake


@pytest.fixture
def new_draft(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    """Makes a draft request of the practice (a Medicare MBB) on each call."""
    return lambda: make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
        status="draft",
    )


@pytest.fixture
def draft(new_draft):  # type: ignore[no-untyped-def]
    return new_draft()


def _download(client, obj) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(reverse("pa-request-pdf", args=[obj.pk]))
    assert response.status_code == 200
    return response.content


def _stored_files(settings) -> list[str]:  # type: ignore[no-untyped-def]
    root = settings.STORAGES["renditions"]["OPTIONS"]["location"]
    from pathlib import Path

    return sorted(
        str(p.relative_to(root)) for p in Path(root).rglob("*.pdf") if p.is_file()
    )


# --------------------------------------------------------------------------- cache


def test_a_second_download_of_an_unchanged_draft_is_served_from_storage(
    client_billing, draft, renderer, settings
):
    first = _download(client_billing, draft)
    second = _download(client_billing, draft)
    assert renderer.calls == 1
    assert first == second and first.startswith(b"%PDF")
    row = m.DraftRendition.objects.get(request=draft)
    assert row.state == m.DraftRendition.State.READY
    assert row.rendered_by == "click"
    assert row.sha256 == hashlib.sha256(first).hexdigest()
    # One folder per practice, no patient data in the name.
    files = _stored_files(settings)
    assert files == [row.path]
    assert row.path.startswith(f"practice-{draft.practice_id}/request-{draft.pk}/")
    assert "Synthetic" not in row.path


def test_an_edit_makes_a_new_key_and_the_old_draft_is_pruned(
    client_billing, draft, renderer, settings
):
    first = _download(client_billing, draft)
    old = m.DraftRendition.objects.get(request=draft)
    draft.clinical_notes = "Pain worse when standing; new note."
    draft.lock_version += 1
    draft.save()
    second = _download(client_billing, draft)
    assert renderer.calls == 2
    assert first != second
    rows = list(m.DraftRendition.objects.filter(request=draft))
    assert len(rows) == 1 and rows[0].pk != old.pk
    assert rows[0].lock_version == draft.lock_version
    assert _stored_files(settings) == [rows[0].path]
    assert _download(client_billing, draft) == second
    assert renderer.calls == 2


def test_a_change_outside_the_request_row_changes_the_key_too(
    client_billing, draft, renderer
):
    """The patient's history is not the request's row (no lock_version bump): the
    HTML's hash still tells the drafts apart."""
    _download(client_billing, draft)
    m.PriorProcedure.objects.filter(patient=draft.patient).update(
        post_score=5, relief_percent=28
    )
    _download(client_billing, draft)
    assert renderer.calls == 2


def test_a_stored_file_that_went_missing_is_rendered_again(
    client_billing, draft, renderer, settings
):
    _download(client_billing, draft)
    row = m.DraftRendition.objects.get(request=draft)
    from django.core.files.storage import storages

    storages["renditions"].delete(row.path)
    _download(client_billing, draft)
    assert renderer.calls == 2
    assert m.DraftRendition.objects.filter(request=draft).count() == 1


def test_signing_removes_the_drafts_and_the_task_skips_a_locked_request(
    draft, renderer, billing_user
):
    services.auth_request_render_pdf(request=draft, user=billing_user)
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="signed")
    assert draft_render_ahead.call(draft.pk) == "locked"
    renditions.renditions_prune(request_id=draft.pk)
    assert not m.DraftRendition.objects.filter(request=draft).exists()
    assert renderer.calls == 1
    # A click on the signed request's draft still gets it from the worker.
    assert draft_render_ahead.call(draft.pk, for_click=True) == "rendered"
    assert renderer.calls == 2


# --------------------------------------------------------------------------- fast path


@pytest.fixture
def html_builds(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts how often the packet's HTML is built."""
    from priorauth.services import signing

    calls = []
    real = signing.auth_request_draft_html

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["request"].pk)
        return real(**kwargs)

    monkeypatch.setattr(signing, "auth_request_draft_html", counting)
    return calls


def test_a_stored_state_is_served_without_building_the_html(
    client_billing, draft, renderer, html_builds
):
    first = _download(client_billing, draft)
    assert _download(client_billing, draft) == first
    assert len(html_builds) == 1 and renderer.calls == 1


def test_the_fingerprint_follows_the_history_the_day_and_the_code(draft, monkeypatch):
    def fingerprint() -> str:
        return services.auth_request_state_fingerprint(request=_loaded(draft))

    before = fingerprint()
    assert fingerprint() == before
    m.PriorProcedure.objects.filter(patient=draft.patient).update(post_score=5)
    after_history = fingerprint()
    m.Patient.objects.filter(pk=draft.patient_id).update(member_id="ZZT900000002")
    after_patient = fingerprint()
    # The worklist's cached counts are no packet input.
    m.AuthRequest.objects.filter(pk=draft.pk).update(
        blocker_count=7, evaluated_at=timezone.now()
    )
    assert fingerprint() == after_patient
    monkeypatch.setattr(
        timezone, "localdate", lambda: timezone.now().date() + timedelta(days=1)
    )
    tomorrow = fingerprint()
    monkeypatch.setattr(renditions, "code_version", lambda: "another deploy")
    new_code = fingerprint()
    assert len({before, after_history, after_patient, tomorrow, new_code}) == 5


def test_a_new_fingerprint_with_the_same_html_reuses_the_file(
    client_billing, draft, renderer, html_builds, monkeypatch
):
    """A state change that does not change the packet (here: the code version)
    builds the HTML once more, finds the same digest, and renders nothing."""
    _download(client_billing, draft)
    monkeypatch.setattr(renditions, "code_version", lambda: "another deploy")
    _download(client_billing, draft)
    _download(client_billing, draft)
    assert renderer.calls == 1 and len(html_builds) == 2


# --------------------------------------------------------------------------- the key


def test_the_inputs_digest_covers_html_template_renderer_and_extra_inputs(
    monkeypatch,
):
    base = pdf.packet_inputs_digest(html="<p>a</p>", template="pdf/packet.html")
    assert base == pdf.packet_inputs_digest(html="<p>a</p>", template="pdf/packet.html")
    others = {
        pdf.packet_inputs_digest(html="<p>b</p>", template="pdf/packet.html"),
        pdf.packet_inputs_digest(html="<p>a</p>", template="pdf/other.html"),
        pdf.packet_inputs_digest(
            html="<p>a</p>",
            template="pdf/packet.html",
            extra_inputs=[("attachment:mri.pdf", "a" * 64)],
        ),
        pdf.packet_inputs_digest(
            html="<p>a</p>",
            template="pdf/packet.html",
            extra_inputs=[("attachment:mri.pdf", "b" * 64)],
        ),
        pdf.packet_inputs_digest(
            html="<p>a</p>",
            template="pdf/packet.html",
            extra_inputs=[
                ("attachment:x.pdf", "a" * 64),
                ("attachment:y.pdf", "b" * 64),
            ],
        ),
        pdf.packet_inputs_digest(
            html="<p>a</p>",
            template="pdf/packet.html",
            extra_inputs=[
                ("attachment:y.pdf", "b" * 64),
                ("attachment:x.pdf", "a" * 64),
            ],
        ),
    }
    monkeypatch.setattr(pdf, "renderer_version", lambda: "weasyprint-99")
    others.add(pdf.packet_inputs_digest(html="<p>a</p>", template="pdf/packet.html"))
    assert base not in others and len(others) == 7


def test_the_renderer_version_names_weasyprint_and_the_assets():
    version = pdf.renderer_version()
    assert f"weasyprint-{pdf.weasyprint.__version__}" in version
    assert "/assets-" in version


# --------------------------------------------------------------------------- ahead


def test_a_save_renders_ahead_and_the_click_only_reads_the_file(
    client_billing,
    draft,
    renderer,
    settings,
    billing_user,
    django_capture_on_commit_callbacks,
    html_builds,
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        services.auth_request_send_for_signature(request=draft)
    assert renderer.calls == 1 and len(html_builds) == 1
    row = m.DraftRendition.objects.get(request=draft)
    assert row.rendered_by == "task" and row.state == m.DraftRendition.State.READY
    data = _download(client_billing, draft)
    assert renderer.calls == 1
    assert hashlib.sha256(data).hexdigest() == row.sha256
    assert len(html_builds) == 1  # the click found it by the request's state


def test_an_import_enqueues_the_render_after_commit(
    draft, renderer, settings, billing_user, django_capture_on_commit_callbacks
):
    """Enqueued on commit only: a rolled-back save enqueues nothing."""
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.auth_request_send_for_signature(request=draft)
    assert len(callbacks) == 1 and renderer.calls == 0
    callbacks[0]()
    assert renderer.calls == 1


def test_the_task_does_nothing_for_a_stored_or_running_render(
    draft, renderer, billing_user
):
    assert draft_render_ahead.call(draft.pk) == "rendered"
    assert draft_render_ahead.call(draft.pk) == "cached"
    m.DraftRendition.objects.all().delete()
    html, digest, _ = services.auth_request_draft_html(request=_loaded(draft))
    m.DraftRendition.objects.create(
        practice=draft.practice,
        request=draft,
        revision=draft.revision,
        lock_version=draft.lock_version,
        inputs_digest=digest,
        state=m.DraftRendition.State.RENDERING,
        claimed_at=timezone.now(),
    )
    assert draft_render_ahead.call(draft.pk) == "rendering elsewhere"
    assert renderer.calls == 1


def _loaded(obj: m.AuthRequest) -> m.AuthRequest:
    return (
        services.auth_request_queryset_for_detail(signed_documents=False)
        .select_related("practice")
        .get(pk=obj.pk)
    )


# --------------------------------------------------------------------------- failures


def test_a_failing_task_leaves_no_claim_and_the_click_renders(
    client_billing, draft, renderer, settings
):
    settings.TASKS = IMMEDIATE
    renderer.fail = True
    result = draft_render_ahead.enqueue(draft.pk)
    assert result.status == "FAILED"
    assert not m.DraftRendition.objects.filter(request=draft).exists()
    renderer.fail = False
    data = _download(client_billing, draft)
    assert data.startswith(b"%PDF") and renderer.calls == 2
    assert m.DraftRendition.objects.get(request=draft).rendered_by == "click"


def test_a_dead_workers_claim_is_taken_over_by_the_click(
    client_billing, draft, renderer, monkeypatch
):
    """A worker killed mid-render leaves its "rendering" row; once the claim is
    older than PRIORAUTH_RENDER_STALE_SECONDS the click renders itself."""
    html, digest, _ = services.auth_request_draft_html(request=_loaded(draft))
    m.DraftRendition.objects.create(
        practice=draft.practice,
        request=draft,
        revision=draft.revision,
        lock_version=draft.lock_version,
        inputs_digest=digest,
        state=m.DraftRendition.State.RENDERING,
        claimed_at=timezone.now() - timedelta(hours=1),
        rendered_by="task",
    )
    monkeypatch.setattr(
        renditions, "_sleep", lambda s: pytest.fail("waited for a dead worker")
    )
    data = _download(client_billing, draft)
    assert data.startswith(b"%PDF") and renderer.calls == 1
    row = m.DraftRendition.objects.get(request=draft)
    assert row.state == m.DraftRendition.State.READY and row.rendered_by == "click"


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_render_once(
    new_draft,
    billing_user,
    renderer,
    monkeypatch,
):
    """The second click finds the first one's claim and waits for its file."""
    obj = new_draft()
    renderer.release = threading.Event()
    second_waits, first_done = threading.Event(), threading.Event()

    def second_polls(seconds: float) -> None:
        second_waits.set()
        assert first_done.wait(timeout=60)

    monkeypatch.setattr(renditions, "_sleep", second_polls)
    results: dict[str, bytes] = {}
    errors: list[BaseException] = []

    def click(name: str, done: threading.Event | None = None) -> None:
        try:
            request = m.AuthRequest.objects.get(pk=obj.pk)
            results[name] = services.auth_request_render_pdf(
                request=request, user=billing_user
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()
            if done is not None:
                done.set()

    first = threading.Thread(target=click, args=("first", first_done))
    first.start()
    assert renderer.started.wait(timeout=60)
    second = threading.Thread(target=click, args=("second",))
    second.start()
    assert second_waits.wait(timeout=60)  # the second click is waiting, not rendering
    renderer.release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert not errors, errors
    assert renderer.calls == 1
    assert results["first"] == results["second"]
    assert m.DraftRendition.objects.filter(request=obj).count() == 1


# --------------------------------------------------------------------------- real bytes


@pytest.mark.pdf
def test_a_cached_draft_is_the_fresh_render_byte_for_byte(draft, billing_user):
    """The review token hashes the draft: serving it from storage must not change it."""
    cached_first = services.auth_request_render_pdf(request=draft, user=billing_user)
    cached_again = services.auth_request_render_pdf(request=draft, user=billing_user)
    loaded = _loaded(draft)
    fresh = pdf.render_pdf(
        "pdf/packet.html", services.auth_request_packet_context(request=loaded)
    )
    assert cached_first == cached_again == fresh


# --------------------------------------------------------------------------- check


def test_the_system_check_warns_without_harfbuzz_subsetting(monkeypatch):
    monkeypatch.setattr(pdf, "harfbuzz_subsetting_available", lambda: False)
    messages = checks.harfbuzz_subsetting()
    assert [(type(msg), msg.id) for msg in messages] == [
        (CheckWarning, "priorauth.W001")
    ]
    assert "libharfbuzz-subset0" in messages[0].hint


def test_the_system_check_is_quiet_with_harfbuzz_subsetting(monkeypatch):
    monkeypatch.setattr(pdf, "harfbuzz_subsetting_available", lambda: True)
    assert checks.harfbuzz_subsetting() == []


def test_the_check_runs_with_the_apps_checks(monkeypatch):
    from django.core.checks import run_checks

    monkeypatch.setattr(pdf, "harfbuzz_subsetting_available", lambda: False)
    assert "priorauth.W001" in {msg.id for msg in run_checks(tags=["priorauth"])}


# --------------------------------------------------------------------------- db worker


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_queues_the_render_and_db_worker_runs_it(
    new_draft, renderer, settings
):
    """The real path: a save commits, a DBTaskResult row waits, `manage.py db_worker`
    renders the draft into the cache (on PostgreSQL, as the app role)."""
    from django_tasks_db.models import DBTaskResult

    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    obj = new_draft()
    services.auth_request_send_for_signature(request=obj)  # autocommit: enqueued now
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "priorauth.services.tasks.draft_render_ahead"
    assert queued.args_kwargs["args"] == [obj.pk]
    assert set(queued.args_kwargs["kwargs"]) == {"enqueued_at"}
    assert queued.priority == tasks.RENDER_AHEAD_PRIORITY
    assert renderer.calls == 0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.return_value == "rendered"
    assert renderer.calls == 1
    row = m.DraftRendition.objects.get(request=obj)
    assert row.rendered_by == "task" and row.state == m.DraftRendition.State.READY


# --------------------------------------------------------------------------- off the web process

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_the_click_hands_its_render_to_it_and_waits(
    new_draft,
    billing_user,
    renderer,
    settings,
    monkeypatch,
):
    """P17: with a worker beside the server, a click that finds no stored draft
    queues the render at click priority, ahead of the renders ahead, and waits for
    the worker's file instead of rendering in the web process."""
    from django_tasks_db.models import DBTaskResult

    from django.core.management import call_command

    settings.TASKS = DB_TASKS
    settings.PRIORAUTH_RENDER_ON_WORKER = True
    older = new_draft()
    obj = new_draft()
    tasks.draft_render_soon(request_id=older.pk)  # autocommit: queued at once
    polls: list[int] = []

    def worker_runs_while_the_click_waits(seconds: float) -> None:
        polls.append(1)
        if len(polls) == 1:
            first = DBTaskResult.objects.ready().first()
            assert first.args_kwargs["args"] == [obj.pk]  # the click's, first
            assert first.priority == tasks.CLICK_PRIORITY > tasks.RENDER_AHEAD_PRIORITY
            assert renderer.calls == 0  # the click did not render
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    monkeypatch.setattr(renditions, "_sleep", worker_runs_while_the_click_waits)
    data = services.auth_request_render_pdf(
        request=m.AuthRequest.objects.get(pk=obj.pk), user=billing_user
    )
    row = m.DraftRendition.objects.get(request=obj)
    assert row.rendered_by == "task" and hashlib.sha256(data).hexdigest() == row.sha256
    assert renderer.calls == 2  # the click's request, then the older render ahead
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "rendered",
        "rendered",
    ]


@pytest.mark.django_db(transaction=True)
def test_when_no_worker_takes_the_render_the_click_renders_itself(
    new_draft,
    billing_user,
    renderer,
    settings,
    monkeypatch,
):
    """A worker that is down (or stuck) costs the handoff wait, never the PDF."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    settings.PRIORAUTH_RENDER_ON_WORKER = True
    settings.PRIORAUTH_RENDER_HANDOFF_MS = 50
    obj = new_draft()
    data = services.auth_request_render_pdf(
        request=m.AuthRequest.objects.get(pk=obj.pk), user=billing_user
    )
    assert data.startswith(b"%PDF") and renderer.calls == 1
    assert m.DraftRendition.objects.get(request=obj).rendered_by == "click"
    assert DBTaskResult.objects.get().status == "READY"  # nobody took it
    # The worker that comes back later finds the file and does not render again.
    assert draft_render_ahead.call(obj.pk, for_click=True) == "cached"
    assert renderer.calls == 1


def test_a_queue_that_is_down_sends_the_click_straight_to_rendering(
    client_billing, draft, renderer, settings, monkeypatch
):
    settings.PRIORAUTH_RENDER_ON_WORKER = True

    class QueueDown:
        def using(self, **kwargs: object) -> QueueDown:
            return self

        def enqueue(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("queue unavailable")

    monkeypatch.setattr(tasks, "draft_render_ahead", QueueDown())
    monkeypatch.setattr(
        renditions, "_sleep", lambda s: pytest.fail("waited for a queue that is down")
    )
    assert _download(client_billing, draft).startswith(b"%PDF")
    assert renderer.calls == 1


def test_a_render_ahead_that_waited_too_long_is_dropped_but_never_a_clicks(
    draft, renderer, settings
):
    settings.PRIORAUTH_RENDER_AHEAD_MAX_AGE_SECONDS = 120
    late = (timezone.now() - timedelta(seconds=121)).isoformat()
    fresh = (timezone.now() - timedelta(seconds=119)).isoformat()
    assert draft_render_ahead.call(draft.pk, enqueued_at=late) == "expired"
    assert renderer.calls == 0
    assert draft_render_ahead.call(draft.pk, enqueued_at=fresh) == "rendered"
    m.DraftRendition.objects.all().delete()
    assert (
        draft_render_ahead.call(draft.pk, for_click=True, enqueued_at=late)
        == "rendered"
    )
    assert renderer.calls == 2


def test_a_render_ahead_of_a_stored_state_does_not_build_the_html(
    draft, renderer, html_builds
):
    assert draft_render_ahead.call(draft.pk) == "rendered"
    assert draft_render_ahead.call(draft.pk) == "cached"
    assert renderer.calls == 1 and len(html_builds) == 1


def test_the_queue_keeps_the_newest_renders_ahead_and_every_clicks(
    draft, settings, django_capture_on_commit_callbacks
):
    """Oldest-first with a backlog would finish every render ahead after its user
    clicked: only the newest PRIORAUTH_RENDER_AHEAD_QUEUE wait; clicks' stay."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    settings.PRIORAUTH_RENDER_AHEAD_QUEUE = 3
    assert tasks.draft_render_now(request_id=10_000)
    with django_capture_on_commit_callbacks(execute=True):
        for request_id in range(1, 6):
            tasks.draft_render_soon(request_id=request_id)
    waiting = DBTaskResult.objects.filter(status="READY")
    ahead = waiting.filter(priority=tasks.RENDER_AHEAD_PRIORITY)
    assert sorted(t.args_kwargs["args"][0] for t in ahead) == [3, 4, 5]
    clicks = waiting.filter(priority=tasks.CLICK_PRIORITY)
    assert [t.args_kwargs["args"][0] for t in clicks] == [10_000]
