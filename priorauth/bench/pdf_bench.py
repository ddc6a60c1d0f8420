"""PDF render of the standard demo packet: warm optimized vs naive, and cold.

The packet is the one for the first request of the shipped demo data
(fixtures/demo.json, loaded by ``load_demo`` into var/bench/demo.sqlite3): its
facts, the rules' evaluation, the packet context (priorauth.packet) and the
HTML (templates/pdf/packet.html) are built once; then only HTML -> PDF is timed.

* optimized: ``priorauth.packet.pdf.html_to_pdf`` (stylesheet and FontConfiguration
  parsed once per process, reused by every render);
* naive: what a first-time caller writes: a fresh ``weasyprint.HTML(string=...)``
  and ``write_pdf`` with the same print.css parsed again and a new
  FontConfiguration (so @font-face fonts are loaded again) on every call.
  The strict, like-for-like baseline: only what a long-lived renderer keeps
  (parsed CSS, loaded fonts) differs.
* single call: one ``weasyprint`` command per packet in a fresh process
  (``python -m weasyprint -s print.css -u <assets> packet.html out.pdf``), the
  way a script or a shelled-out renderer produces one PDF: interpreter and
  library start-up, fonts and CSS, then the same layout. The quality.md P1
  reference figures are of this kind ("1-page CLI ... incl. start-up").
* RSS over ``--rss-renders`` consecutive optimized renders (quality.md P5: growth
  at most 50 MB over 500).

Both run in the same process, interleaved after 3 warm-ups each, so machine
noise hits both alike. ``--cold`` (run in a fresh process by the main step)
times the first render after start-up.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from priorauth.bench.common import ROOT, django_setup, summary_ms, write_json

TODAY = date(2026, 11, 23)


def ensure_demo_db() -> None:
    from django.core.management import call_command

    from priorauth import models as m

    call_command("migrate", verbosity=0, interactive=False)
    if not m.AuthRequest.objects.exists():
        call_command("load_demo", verbosity=0)


def demo_packet_html() -> tuple[str, dict]:
    """HTML of the standard demo packet (first demo request, draft)."""
    from priorauth import models as m
    from priorauth import packet, services
    from priorauth.packet import pdf
    from priorauth.rules import evaluate

    req = (
        services.auth_request_queryset_for_detail()
        .select_related("practice")
        .order_by("pk")
        .first()
    )
    facts = services.auth_request_facts(request=req)
    policy = services.payer_policy_build(profile=req.payer_profile)
    evaluation = evaluate(facts, policy, today=TODAY)
    ctx = packet.build_packet_context(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        practice=packet.practice_info(req.practice),
        request_id=req.pk,
        revision=req.revision,
        generated_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        clinical_notes=req.clinical_notes,
    )
    html = pdf.render_html("pdf/packet.html", ctx)
    assert isinstance(req, m.AuthRequest)
    return html, {
        "request_id": req.pk,
        "procedure": req.procedure_type,
        "payer": req.payer_profile.key,
        "html_chars": len(html),
    }


def naive_render(html: str) -> bytes:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from priorauth.packet import pdf

    font_config = FontConfiguration()
    css = weasyprint.CSS(
        filename=str(pdf.PRINT_CSS),
        base_url=pdf.BASE_URL,
        url_fetcher=pdf.AssetOnlyFetcher(),
        font_config=font_config,
    )
    return weasyprint.HTML(
        string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.AssetOnlyFetcher()
    ).write_pdf(stylesheets=[css], font_config=font_config, **pdf.write_options())


def single_call_render(html_file: Path, out_file: Path) -> float:
    """Seconds for one CLI render in a fresh process (the naive single call)."""
    from priorauth.packet import pdf

    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "weasyprint",
            "--stylesheet",
            str(pdf.PRINT_CSS),
            "--base-url",
            pdf.BASE_URL,
            str(html_file),
            str(out_file),
        ],
        check=True,
        cwd=ROOT,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def cold(out: Path, *, warm: bool = True) -> None:
    """First renders in a fresh process; ``warm``: after the worker warm-up, as in a
    WSGI worker (priorauth/ops/warmup.py), else with nothing loaded before."""
    t0 = time.perf_counter()
    django_setup()
    ensure_demo_db()
    from priorauth.packet import pdf

    html, _ = demo_packet_html()
    t1 = time.perf_counter()
    if warm:
        from priorauth.ops.warmup import warm_worker

        warm_timings = warm_worker()
    tw = time.perf_counter()
    first = pdf.html_to_pdf(html)
    t2 = time.perf_counter()
    pdf.html_to_pdf(html)
    t3 = time.perf_counter()
    write_json(
        out,
        {
            "startup_and_html_s": round(t1 - t0, 3),
            "worker_warm_up_ms": round((tw - t1) * 1000, 1) if warm else None,
            "worker_warm_up": warm_timings if warm else None,
            "first_render_ms": round((t2 - tw) * 1000, 1),
            "second_render_ms": round((t3 - t2) * 1000, 1),
            "bytes": len(first),
        },
    )


def _cold_in_fresh_process(out: Path, *, warm: bool) -> dict:
    """Run ``cold`` in a new interpreter and return what it measured."""
    import json

    cold_out = out.with_suffix(".cold.json")
    subprocess.run(
        [sys.executable, "-m", "priorauth.bench.pdf_bench", "--cold"]
        + ([] if warm else ["--no-warm"])
        + ["--out", str(cold_out)],
        check=True,
        cwd=ROOT,
        timeout=600,
    )
    try:
        return json.loads(cold_out.read_text())
    finally:
        cold_out.unlink()


def _pages(data: bytes) -> int | None:
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:  # noqa: BLE001 - page count is informative only
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument(
        "--single-call-renders",
        type=int,
        default=15,
        help="CLI renders in a fresh process each (the single-call baseline); 0 skips them",
    )
    parser.add_argument(
        "--rss-renders",
        type=int,
        default=500,
        help="consecutive optimized renders for the memory check (P5); 0 skips it",
    )
    parser.add_argument("--cold", action="store_true")
    parser.add_argument(
        "--no-warm", action="store_true", help="(with --cold) skip the worker warm-up"
    )
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.cold:
        cold(Path(args.out), warm=not args.no_warm)
        return

    # Cold first: fresh processes (imports, Django set-up, fonts) before this one warms
    # anything; with the worker warm-up, as a WSGI worker starts, and without it.
    cold_result = _cold_in_fresh_process(Path(args.out), warm=True)
    cold_result["without_warm_up"] = _cold_in_fresh_process(Path(args.out), warm=False)

    django_setup()
    ensure_demo_db()
    from priorauth.packet import pdf

    try:
        import psutil

        proc = psutil.Process()
    except ImportError:  # bench extra not installed
        proc = None
    html, about = demo_packet_html()
    # This process is set up like a WSGI worker (priorauth/wsgi.py): per-process
    # caches loaded and the start-up heap frozen. The naive renders share the
    # process, so they benefit from the frozen heap too (like for like).
    from priorauth.ops.warmup import warm_worker

    warm_worker()
    for _ in range(3):
        pdf.html_to_pdf(html)
        naive_render(html)
    gc.collect()
    rss_before = proc.memory_info().rss if proc else 0
    optimized, naive = [], []
    size = 0
    naive_size = 0
    for _ in range(args.renders):
        t0 = time.perf_counter()
        data = pdf.html_to_pdf(html)
        optimized.append(time.perf_counter() - t0)
        size = len(data)
        t0 = time.perf_counter()
        naive_size = len(naive_render(html))
        naive.append(time.perf_counter() - t0)
    gc.collect()
    rss_after = proc.memory_info().rss if proc else 0
    opt, nai = summary_ms(optimized), summary_ms(naive)

    # The single-call baseline, interleaved with optimized renders of the same HTML.
    single, single_opt = [], []
    if args.single_call_renders > 0:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
            html_file = Path(tmp) / "packet.html"
            html_file.write_text(html, encoding="utf-8")
            out_file = Path(tmp) / "packet.pdf"
            single_call_render(html_file, out_file)  # warm the OS file cache
            single_pages = None
            for _ in range(args.single_call_renders):
                single.append(single_call_render(html_file, out_file))
                t0 = time.perf_counter()
                pdf.html_to_pdf(html)
                single_opt.append(time.perf_counter() - t0)
            single_pages = _pages(out_file.read_bytes())
    single_result = None
    if single:
        sc, so = summary_ms(single), summary_ms(single_opt)
        single_result = {
            "single_call": sc,
            "optimized_interleaved": so,
            "ratio_median": round(so["median_ms"] / sc["median_ms"], 3),
            "pages": single_pages,
        }

    # P5: memory over many consecutive renders in one process.
    rss_long = None
    if proc and args.rss_renders > 0:
        gc.collect()
        before = proc.memory_info().rss
        samples = []
        for i in range(args.rss_renders):
            pdf.html_to_pdf(html)
            if (i + 1) % max(1, args.rss_renders // 5) == 0:
                samples.append(round((proc.memory_info().rss - before) / 1e6, 1))
        gc.collect()
        rss_long = {
            "renders": args.rss_renders,
            "growth_mb": round((proc.memory_info().rss - before) / 1e6, 1),
            "growth_mb_by_fifth": samples,
        }
    write_json(
        Path(args.out),
        {
            "packet": about,
            "pages": _pages(data),
            "bytes": size,
            "naive_bytes": naive_size,
            "optimized": opt,
            "naive": nai,
            "ratio_median": round(opt["median_ms"] / nai["median_ms"], 3),
            "ratio_p95": round(opt["p95_ms"] / nai["p95_ms"], 3),
            "cold": cold_result,
            "rss_growth_mb": round((rss_after - rss_before) / 1e6, 1) if proc else None,
            "renders_each": args.renders,
            "single_call": single_result,
            "rss_long": rss_long,
            "notes": "optimized = priorauth.packet.pdf.html_to_pdf (CSS + FontConfiguration cached per process); "
            "naive = fresh HTML + CSS + FontConfiguration per call; "
            "single call = `python -m weasyprint` in a fresh process per render",
        },
    )


if __name__ == "__main__":
    main()
