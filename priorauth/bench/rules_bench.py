"""Rules evaluation per request, without database time.

Facts are built from the benchmark database first (services.auth_request_facts
over prefetched requests); only ``evaluate(facts, policy, today=...)`` is timed.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import Counter
from datetime import date
from pathlib import Path

from priorauth.bench.common import django_setup, summary_ms, write_json


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    django_setup()
    from priorauth import models as m
    from priorauth import services
    from priorauth.rules import evaluate

    today = date(2026, 11, 23)
    total = m.AuthRequest.objects.count()
    step = max(1, total // args.sample)
    # An evenly spread sample of ids (every step-th row), fetched with the detail prefetches.
    ids = list(m.AuthRequest.objects.order_by("pk").values_list("pk", flat=True))[
        ::step
    ][: args.sample]
    t0 = time.perf_counter()
    cases = []
    policies: dict[tuple[str, int], object] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for req in services.auth_request_queryset_for_detail().filter(pk__in=chunk):
            key = (req.payer_profile.key, req.payer_profile.version)
            if key not in policies:
                policies[key] = services.payer_policy_build(profile=req.payer_profile)
            cases.append(
                (
                    services.auth_request_facts(request=req),
                    policies[key],
                    req.procedure_type,
                )
            )
    facts_s = time.perf_counter() - t0

    for facts, policy, _ in cases[:20]:  # warm-up: imports, caches
        evaluate(facts, policy, today=today)
    durations = []
    findings = Counter()
    gc.collect()
    for facts, policy, _ in cases:
        started = time.perf_counter()
        evaluation = evaluate(facts, policy, today=today)
        durations.append(time.perf_counter() - started)
        findings[len(evaluation.findings)] += 1
    per_kind: dict[str, list[float]] = {}
    for (_, _, kind), d in zip(cases, durations, strict=True):
        per_kind.setdefault(kind, []).append(d)
    write_json(
        Path(args.out),
        {
            "requests_in_db": total,
            "sample": len(cases),
            "facts_build_s_total": round(facts_s, 2),
            "facts_build_ms_per_request": round(facts_s / max(1, len(cases)) * 1000, 2),
            "evaluate": summary_ms(durations),
            "evaluate_by_procedure": {
                k: summary_ms(v) for k, v in sorted(per_kind.items())
            },
            "findings_per_request_histogram": dict(sorted(findings.items())),
        },
    )


if __name__ == "__main__":
    main()
