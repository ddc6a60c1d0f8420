"""``make bench`` / ``python -m priorauth.bench``: seed, measure, report.

Steps (each in its own process, against a separate benchmark database, never
the checkout's db.sqlite3):

* seed     N requests / H history rows / P practices (reused when present; --reseed)
* rules    evaluate() per request, facts built beforehand (no DB time)
* pdf      the standard demo packet: warm optimized renders vs naive in-process renders and vs
           single-call CLI renders in fresh processes; a cold first render; RSS over 500 renders;
           the median against this machine's stored baseline (--save/--check-pdf-baseline, P2)
* queries  queries per page (worklist, detail, edit, save, PDF) at each scale
* http     gunicorn (production settings) + the task worker (db_worker) + locust,
           25 users, bounded time, at each scale; P17 (PDF p95 <= 300 ms)
           with --pdf-in-load
* click    the draft PDF on the click vs Chromium's print-to-PDF of the same
           HTML and print.css (Playwright, /usr/bin/chromium, warm): first
           render, cached download; P15, P16

The small scale (--small, default 1,000 requests) and the large scale
(--requests, default 100,000) run the query and HTTP steps, so flatness shows.
Results: var/bench/results-<timestamp>.json and a Markdown summary on stdout
(also var/bench/summary-<timestamp>.md).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

from priorauth.bench import http_bench
from priorauth.bench.common import (
    VAR,
    db_label,
    django_env,
    machine,
    production_env,
    run_step,
    write_json,
)

STEPS = ("rules", "pdf", "queries", "http", "click")
PDF_BASELINE = VAR / "pdf-baseline.json"
PDF_REGRESSION_LIMIT = 1.25  # quality.md P2: at most +25 % against the stored median


def pdf_baseline_compare(pdf_result: dict, this_machine: dict) -> dict | None:
    """This run's optimized median against the stored one of the same machine."""
    if not PDF_BASELINE.exists():
        return None
    stored = json.loads(PDF_BASELINE.read_text())
    same = {k: stored["machine"].get(k) for k in ("cpu_model", "nproc")} == {
        k: this_machine.get(k) for k in ("cpu_model", "nproc")
    }
    median = pdf_result["optimized"]["median_ms"]
    ratio = median / stored["median_ms"]
    return {
        "stored_median_ms": stored["median_ms"],
        "stored_at": stored["stored_at"],
        "median_ms": median,
        "ratio": round(ratio, 3),
        "same_machine": same,
        "regressed": same and ratio > PDF_REGRESSION_LIMIT,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m priorauth.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--only",
        action="append",
        choices=STEPS,
        help="run only this step (repeatable); default: all",
    )
    p.add_argument(
        "--requests",
        type=int,
        default=100_000,
        help="large scale: requests (default 100000)",
    )
    p.add_argument(
        "--history",
        type=int,
        default=None,
        help="history rows at the large scale (default 10 x requests)",
    )
    p.add_argument("--practices", type=int, default=50)
    p.add_argument(
        "--small",
        type=int,
        default=1_000,
        help="small scale for the flatness comparison (0 = skip); history is 10 x",
    )
    p.add_argument(
        "--reseed", action="store_true", help="rebuild the benchmark databases"
    )
    p.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL: benchmark there instead of SQLite "
        "(the database is emptied and seeded; never point this at real data)",
    )
    p.add_argument(
        "--duration",
        type=int,
        default=60,
        help="seconds of load per HTTP run (default 60)",
    )
    p.add_argument("--users", type=int, default=25)
    p.add_argument(
        "--think",
        default="1-4",
        help="think time range in seconds between a user's requests",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="gunicorn workers (default 2, one per core)",
    )
    p.add_argument(
        "--threads", type=int, default=4, help="gunicorn threads per worker (gthread)"
    )
    p.add_argument(
        "--pdf-in-load",
        action="store_true",
        help="add PDF downloads (weight 1 of 11) to the load mix",
    )
    p.add_argument(
        "--no-save",
        action="store_true",
        help="leave the edit form and save out of the load mix (isolates worklist and detail)",
    )
    p.add_argument("--rules-sample", type=int, default=2000)
    p.add_argument(
        "--click-rounds",
        type=int,
        default=20,
        help="click step: rounds of Chromium print / first render / cached download",
    )
    p.add_argument("--pdf-renders", type=int, default=40)
    p.add_argument(
        "--pdf-single-calls",
        type=int,
        default=15,
        help="single-call baseline: CLI renders in fresh processes (0 skips)",
    )
    p.add_argument(
        "--pdf-rss-renders",
        type=int,
        default=500,
        help="consecutive renders for the RSS-growth check, P5 (0 skips)",
    )
    p.add_argument(
        "--save-pdf-baseline",
        action="store_true",
        help=f"store this run's optimized PDF median as the machine's baseline ({PDF_BASELINE.name})",
    )
    p.add_argument(
        "--check-pdf-baseline",
        action="store_true",
        help="exit with status 3 when the optimized PDF median is more than 25 %% above "
        "the stored baseline of this machine (P2)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    steps = tuple(args.only or STEPS)
    if not 1 <= args.duration <= 1800:
        raise SystemExit("--duration must be 1..1800 seconds (load runs are bounded)")
    history = args.history if args.history is not None else args.requests * 10
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, object] = {
        "started": started.isoformat(timespec="seconds"),
        "command": "python -m priorauth.bench "
        + " ".join(argv if argv is not None else __import__("sys").argv[1:]),
        "machine": machine(),
        "database": "postgresql" if args.database_url else "sqlite",
        "steps": list(steps),
        "scales": {},
    }
    print(
        f"priorauth bench: steps={','.join(steps)} database={results['database']}",
        flush=True,
    )
    m = results["machine"]
    print(
        f"  machine: {m['cpu_model']}, {m['nproc']} cores, {m['ram_gib']} GiB RAM, load {m.get('loadavg')}",
        flush=True,
    )

    scales = []
    if (
        args.small
        and args.small < args.requests
        and ("queries" in steps or "http" in steps)
    ):
        scales.append((args.small, args.small * 10))
    scales.append((args.requests, history))
    if args.database_url and len(scales) > 1:
        print(
            "  note: PostgreSQL has one benchmark database; the small scale is seeded, run, then replaced",
            flush=True,
        )

    big_label = ""
    for n_requests, n_history in scales:
        if not ({"queries", "http"} & set(steps)) and n_requests != args.requests:
            continue
        if not ({"rules", "queries", "http"} & set(steps)):
            continue  # the pdf and click steps use the demo database only
        label = db_label(
            database_url=args.database_url,
            requests=n_requests,
            history=n_history,
            practices=args.practices,
        )
        big_label = label
        env = django_env(database_url=args.database_url, label=label)
        scale: dict[str, object] = {
            "requests": n_requests,
            "history": n_history,
            "practices": args.practices,
        }
        results["scales"][str(n_requests)] = scale
        print(
            f"\n== scale {n_requests:,} requests / {n_history:,} history rows / {args.practices} practices",
            flush=True,
        )
        seed_args = [
            "--requests",
            str(n_requests),
            "--history",
            str(n_history),
            "--practices",
            str(args.practices),
        ]
        if args.reseed or args.database_url:
            # PostgreSQL holds one scale at a time; reseed unless the counts already match.
            seed_args += ["--reseed"] if args.reseed else []
        scale["seed"] = run_step("priorauth.bench.seed", seed_args, env, timeout=3600)
        print(f"  seed: {json.dumps(scale['seed'])}", flush=True)
        if "queries" in steps:
            scale["queries"] = run_step("priorauth.bench.queries", [], env, timeout=600)
            print(
                f"  queries per page: {json.dumps(scale['queries']['pages'])}",
                flush=True,
            )
        if "http" in steps:
            prod = (
                django_env(database_url=args.database_url, label=label)
                | production_env()
            )
            plan = run_step(
                "priorauth.bench.http_bench",
                ["--users", str(args.users)],
                prod,
                timeout=600,
            )
            scale["http"] = http_bench.run(
                env=prod,
                label=f"{label}-{stamp}",
                users=args.users,
                duration=args.duration,
                workers=args.workers,
                threads=args.threads,
                think=args.think,
                plan=plan,
                pdf_in_load=args.pdf_in_load,
                save_in_load=not args.no_save,
            )
            print(f"  http: {json.dumps(scale['http']['endpoints'])}", flush=True)
            print(
                f"  http errors: failures={scale['http']['failures']} 5xx={scale['http']['server_5xx']} "
                f"locked={scale['http']['database_is_locked']}",
                flush=True,
            )
        if "rules" in steps and n_requests == args.requests:
            results["rules"] = run_step(
                "priorauth.bench.rules_bench",
                ["--sample", str(args.rules_sample)],
                env,
                timeout=1200,
            )
            print(f"  rules: {json.dumps(results['rules']['evaluate'])}", flush=True)

    if "pdf" in steps:
        print("\n== PDF: standard demo packet", flush=True)
        env = django_env(database_url="", label="demo")
        results["pdf"] = run_step(
            "priorauth.bench.pdf_bench",
            [
                "--renders",
                str(args.pdf_renders),
                "--single-call-renders",
                str(args.pdf_single_calls),
                "--rss-renders",
                str(args.pdf_rss_renders),
            ],
            env,
            timeout=3600,
        )
        results["pdf"]["baseline"] = pdf_baseline_compare(
            results["pdf"], results["machine"]
        )
        if args.save_pdf_baseline:
            write_json(
                PDF_BASELINE,
                {
                    "median_ms": results["pdf"]["optimized"]["median_ms"],
                    "machine": results["machine"],
                    "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )
        print(
            f"  pdf: {json.dumps({k: v for k, v in results['pdf'].items() if k != 'notes'})}",
            flush=True,
        )

    if "click" in steps:
        print("\n== The PDF on the click vs Chromium's print (demo packet)", flush=True)
        env = django_env(database_url="", label="demo")
        results["click"] = run_step(
            "priorauth.bench.click_bench",
            ["--rounds", str(args.click_rounds)],
            env,
            timeout=3600,
        )
        print(f"  click: {json.dumps(results['click'])}", flush=True)

    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["big_label"] = big_label
    out = VAR / f"results-{stamp}.json"
    write_json(out, results)
    from priorauth.bench.report import markdown

    md = markdown(results)
    (VAR / f"summary-{stamp}.md").write_text(md)
    print("\n" + md)
    print(f"results: {out}")
    baseline = (results.get("pdf") or {}).get("baseline")
    if args.check_pdf_baseline:
        if baseline is None or not baseline["same_machine"]:
            raise SystemExit(
                f"no PDF baseline for this machine: run once with --save-pdf-baseline ({PDF_BASELINE})"
            )
        if baseline["regressed"]:
            print(
                f"PDF render regression: median {baseline['median_ms']} ms is "
                f"{baseline['ratio']:.0%} of the stored {baseline['stored_median_ms']} ms (limit 125 %)"
            )
            raise SystemExit(3)


if __name__ == "__main__":
    t0 = time.monotonic()
    main()
    print(f"bench finished in {time.monotonic() - t0:.0f} s")
