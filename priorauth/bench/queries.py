"""Queries per page on the benchmark database (Django test client + CaptureQueriesContext).

Counts everything the request runs, middleware included (session read and
save, user, OTP device look-up, audit row), and separately the view's own
queries ("page" = total minus that fixed per-request overhead). The save is a
real POST of the edit form as the page shows it, so it writes to the
benchmark database like the load test does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from priorauth.bench.common import django_setup, write_json

OVERHEAD_TABLES = ("django_session", "otp_", "priorauth_auditevent")


def is_overhead(sql: str) -> bool:
    """Per-request middleware queries: session, the signed-in user, OTP devices, the audit row."""
    head = sql[:400]
    if any(t in head for t in OVERHEAD_TABLES):
        return True
    if head.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return True
    return head.startswith('SELECT "priorauth_user"."id", "priorauth_user"."password"')


def count_pages() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from priorauth import models as m
    from priorauth.bench.formparse import FormValues
    from priorauth.bench.seed import BENCH_PRACTICE_PREFIX

    practice = (
        m.Practice.objects.filter(name__startswith=BENCH_PRACTICE_PREFIX)
        .order_by("pk")
        .first()
    )
    user = (
        m.User.objects.filter(practice=practice, role="billing").order_by("pk").first()
    )
    rows = m.AuthRequest.objects.filter(practice=practice)
    req = (
        rows.filter(status="draft").order_by("-updated_at").first()
        or rows.order_by("-updated_at").first()
    )
    client = Client()
    client.force_login(user)

    def url(name: str, *args: object) -> str:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return ""

    pages: dict[str, int] = {}
    view_only: dict[str, int] = {}
    status: dict[str, int] = {}
    samples: dict[str, list[str]] = {}

    def measure(
        label: str, method: str, path: str, data: object = None, as_user=None
    ) -> str:  # type: ignore[no-untyped-def]
        if not path:
            return ""
        c = as_user or client
        with CaptureQueriesContext(connection) as ctx:
            resp = c.post(path, data) if method == "POST" else c.get(path)
        pages[label] = len(ctx.captured_queries)
        view_only[label] = sum(
            1 for q in ctx.captured_queries if not is_overhead(q["sql"])
        )
        status[label] = resp.status_code
        samples[label] = [q["sql"][:200] for q in ctx.captured_queries]
        return resp.content.decode(errors="replace") if resp.status_code == 200 else ""

    client.get("/")  # first request: session refresh, caches
    client.get(
        url("pa-request-detail", req.pk)
    )  # the first view caches the evaluation counts (one UPDATE)
    measure("worklist", "GET", url("pa-worklist"))
    measure("worklist page 2", "GET", url("pa-worklist") + "?page=2")
    measure("worklist status=draft", "GET", url("pa-worklist") + "?status=draft")
    measure("request detail", "GET", url("pa-request-detail", req.pk))
    edit_html = measure("edit form", "GET", url("pa-request-edit", req.pk))
    if edit_html:
        parser = FormValues()
        parser.feed(edit_html)
        fields = {}
        for name, value in parser.largest():
            fields.setdefault(name, []).append(value)
        measure("save (POST)", "POST", url("pa-request-edit", req.pk), fields)
    measure("patient list", "GET", url("pa-patient-list"))
    measure("patient detail", "GET", url("pa-patient-detail", req.patient_id))
    measure("request PDF", "GET", url("pa-request-pdf", req.pk))
    denied = rows.filter(status="denied").order_by("-updated_at").first()
    if denied is not None:  # the denial and appeal panel (issue 15)
        client.get(url("pa-request-detail", denied.pk))
        measure("request detail (denied)", "GET", url("pa-request-detail", denied.pk))
    admin = m.User.objects.filter(practice=practice, role="admin").first()
    if admin is not None:  # practice admins only (issue 15)
        admin_client = Client()
        admin_client.force_login(admin)
        admin_client.get(url("pa-analytics"))
        for period in ("12m", "all"):
            measure(
                f"analytics ({period})",
                "GET",
                url("pa-analytics") + f"?period={period}",
                as_user=admin_client,
            )
    return {
        "pages": pages,
        "view_only": view_only,
        "status": status,
        "sql": samples,
        "practice_requests": rows.count(),
        "practice_patients": m.Patient.objects.filter(practice=practice).count(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    django_setup()
    write_json(Path(args.out), count_pages())


if __name__ == "__main__":
    main()
