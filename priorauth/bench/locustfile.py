"""Locust scenario: signed-in billing staff working their practice's worklist.

Read by ``locust -f`` only (never imported by the test suite). The plan file
(PRIORAUTH_BENCH_PLAN) is written by priorauth.bench.http_bench: one entry per
simulated user with a database-created session key and the request ids of that
user's practice. Production cookies are Secure, which a client does not send
over plain http, so every request carries an explicit Cookie header (session
key, which Django keeps across saves, and a CSRF secret of the user's own) and
the client's cookie jar is emptied after each response.

Mix (weights): worklist 4, request detail 4, edit form + save 2, analytics 1 (as
the practice admin). With --pdf-in-load the P9 mix instead: worklist 2, detail 2,
edit form + save 2, PDF 1, analytics 1, i.e. 70 % page views (an edit is a page
view and a save), 20 % saves, 10 % PDFs. A PDF is the draft of one of the last five
requests the user saved (edit, then print; the save enqueued its render ahead), or
any request before the user's first save. Think time
between tasks: PRIORAUTH_BENCH_THINK ("1-4" s).

Exit code (the quitting hook): 1 when any request failed, 2 when a latency target
of quality.md P6-P8 is missed (p95: pages 250 ms, save 400 ms, PDF 2 s; p99 pages
800 ms; any PDF over 10 s), else 0. The orchestrator records it either way.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

from priorauth.bench.formparse import FormValues

PLAN = json.loads(open(os.environ["PRIORAUTH_BENCH_PLAN"]).read())
_low, _high = (
    float(x) for x in os.environ.get("PRIORAUTH_BENCH_THINK", "1-4").split("-")
)
_P9 = bool(PLAN.get("pdf_in_load"))
# The practice admin's analytics page (issue 15) takes one of the worklist's page
# views in the P9 mix, so the mix stays 70 % pages, 20 % saves, 10 % PDFs.
WEIGHTS = (
    {"worklist": 2, "detail": 2, "edit_and_save": 2, "pdf": 1, "analytics": 1}
    if _P9
    else {"worklist": 4, "detail": 4, "edit_and_save": 2, "pdf": 1, "analytics": 1}
)
# quality.md P6-P8, in ms: (percentile, limit) per request name.
TARGETS = {
    "worklist": ((0.95, 250), (0.99, 800)),
    "detail": ((0.95, 250), (0.99, 800)),
    "edit form": ((0.95, 250), (0.99, 800)),
    "save": ((0.95, 400),),
    "pdf": ((0.95, 2000), (1.0, 10000)),
    "pdf (cold)": ((0.95, 2000), (1.0, 10000)),
    "analytics": ((0.95, 250), (0.99, 800)),
}
_slots = itertools.count()
_lock = threading.Lock()


class BillingStaff(FastHttpUser):
    wait_time = between(_low, _high)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        with _lock:
            self.slot = PLAN["users"][next(_slots) % len(PLAN["users"])]
        self.rng = random.Random(self.slot["session_key"])
        self.saves = 0
        self.saved_ids: list[int] = []
        self.csrf = "".join(
            self.rng.choice(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            )
            for _ in range(32)
        )
        self.cookie = f"{PLAN['cookie_name']}={self.slot['session_key']}; {PLAN['csrf_cookie_name']}={self.csrf}"

    def _headers(self, extra: dict | None = None) -> dict:
        self.client.cookiejar.clear()
        return {"Cookie": self.cookie, **(extra or {})}

    def _check(self, resp, expect=(200,)) -> None:  # type: ignore[no-untyped-def]
        if resp.status_code not in expect:
            where = resp.headers.get("Location", "") if resp.headers else ""
            resp.failure(f"HTTP {resp.status_code} {where}".strip())

    @task(WEIGHTS["worklist"])
    def worklist(self) -> None:
        page = self.rng.choice(("", "", "", "?page=2", "?status=draft"))
        with self.client.get(
            f"/{page}",
            name="worklist",
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(),
        ) as r:
            self._check(r)

    @task(WEIGHTS["detail"])
    def detail(self) -> None:
        pk = self.rng.choice(self.slot["detail_ids"])
        with self.client.get(
            PLAN["detail_url"].format(pk=pk),
            name="detail",
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(),
        ) as r:
            self._check(r)

    @task(WEIGHTS["edit_and_save"])
    def edit_and_save(self) -> None:
        if not self.slot["edit_ids"] or not PLAN.get("save_in_load", True):
            return
        pk = self.rng.choice(self.slot["edit_ids"])
        url = PLAN["edit_url"].format(pk=pk)
        with self.client.get(
            url,
            name="edit form",
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(),
        ) as r:
            self._check(r)
            if r.status_code != 200:
                return
            parser = FormValues()
            parser.feed(r.text or "")
        fields = parser.largest()
        if not any(n == "csrfmiddlewaretoken" for n, _ in fields):
            return
        self.saves += 1
        self.saved_ids = [pk, *[i for i in self.saved_ids if i != pk]][:5]
        note = f"bench save {self.saves}"
        fields = [(n, note if n == "clinical_notes" else v) for n, v in fields]
        with self.client.post(
            url,
            data=_urlencode(fields),
            name="save",
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": PLAN["origin"] + url,
                    "Origin": PLAN["origin"],
                }
            ),
        ) as r:
            if r.status_code == 200 and "was not saved" in (r.text or ""):
                errors = re.findall(
                    r'class="invalid-feedback[^"]*"[^>]*>\s*<strong>([^<]{0,80})',
                    r.text or "",
                )
                r.failure(f"form invalid: {errors[:2]}")
            else:
                self._check(r, expect=(302, 303))

    @task(WEIGHTS["pdf"])
    def pdf(self) -> None:
        if not PLAN.get("pdf_url") or not PLAN.get("pdf_in_load"):
            return
        # Edit, then print: the draft of a request this user saved (one of the last
        # five). Before the user's first save, any request of the practice: a draft
        # nothing rendered ahead, reported apart as "pdf (cold)" (P8, not P17).
        if self.saved_ids:
            pk, name = self.rng.choice(self.saved_ids), "pdf"
        else:
            pk, name = self.rng.choice(self.slot["detail_ids"]), "pdf (cold)"
        with self.client.get(
            PLAN["pdf_url"].format(pk=pk),
            name=name,
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(),
        ) as r:
            self._check(r)

    @task(WEIGHTS["analytics"])
    def analytics(self) -> None:
        admin = self.slot.get("admin_session_key")
        if not admin or not PLAN.get("analytics_url"):
            return
        period = self.rng.choice(("", "", "?period=90d", "?period=all"))
        self.client.cookiejar.clear()
        with self.client.get(
            PLAN["analytics_url"] + period,
            name="analytics",
            catch_response=True,
            allow_redirects=False,
            headers={"Cookie": f"{PLAN['cookie_name']}={admin}"},
        ) as r:
            self._check(r)


def _urlencode(fields: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


@events.quitting.add_listener
def _exit_code(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    # Failures first (1), then missed latency targets (2); the orchestrator reports
    # the counts and figures either way.
    if environment.stats.total.fail_ratio > 0:
        environment.process_exit_code = 1
        return
    missed = missed_targets(environment.stats)
    if missed:
        print("latency targets missed: " + "; ".join(missed))
        environment.process_exit_code = 2


def missed_targets(stats) -> list[str]:  # type: ignore[no-untyped-def]
    missed = []
    for entry in stats.entries.values():
        for pct, limit in TARGETS.get(entry.name, ()):
            if not entry.num_requests:
                continue
            got = entry.get_response_time_percentile(pct)
            if got > limit:
                missed.append(
                    f"{entry.name} p{round(pct * 100)} {got:.0f} ms > {limit} ms"
                )
    return missed
