"""Locust scenario: signed-in billing staff working their practice's worklist.

Read by ``locust -f`` only (never imported by the test suite). The plan file
(PRIORAUTH_BENCH_PLAN) is written by priorauth.bench.http_bench: one entry per
simulated user with a database-created session key and the request ids of that
user's practice. Production cookies are Secure, which a client does not send
over plain http, so every request carries an explicit Cookie header (session
key, which Django keeps across saves, and a CSRF secret of the user's own) and
the client's cookie jar is emptied after each response.

Mix (weights): worklist 4, request detail 4, edit form + save 2, and PDF 1 only
with --pdf-in-load (a CPU-bound render holds its worker's GIL). Think time between tasks: PRIORAUTH_BENCH_THINK ("1-4" s).
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

    @task(4)
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

    @task(4)
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

    @task(2)
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

    @task(1)
    def pdf(self) -> None:
        if not PLAN.get("pdf_url") or not PLAN.get("pdf_in_load"):
            return
        pk = self.rng.choice(self.slot["detail_ids"])
        with self.client.get(
            PLAN["pdf_url"].format(pk=pk),
            name="pdf",
            catch_response=True,
            allow_redirects=False,
            headers=self._headers(),
        ) as r:
            self._check(r)


def _urlencode(fields: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


@events.quitting.add_listener
def _exit_code(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    # Any failed request makes locust exit 1; the orchestrator reports the counts either way.
    if environment.stats.total.fail_ratio > 0:
        environment.process_exit_code = 1
