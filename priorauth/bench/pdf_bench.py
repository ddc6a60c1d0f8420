"""PDF render of the standard demo packet: warm optimized vs naive, and cold.

The packet is the one for the first request of the shipped demo data
(fixtures/demo.json, loaded by ``load_demo`` into var/bench/demo.sqlite3): its
facts, the rules' evaluation, the packet context (priorauth.packet) and the
HTML (templates/pdf/packet.html) are built once; then only HTML -> PDF is timed.

* optimized: ``priorauth.pdf.html_to_pdf`` (stylesheet and FontConfiguration
  parsed once per process, reused by every render);
* naive: what a first-time caller writes: a fresh ``weasyprint.HTML(string=...)``
  and ``write_pdf`` with the same print.css parsed again and a new
  FontConfiguration (so @font-face fonts are loaded again) on every call.

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
    from priorauth import packet, pdf, services
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

    from priorauth import pdf

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


def cold(out: Path) -> None:
    t0 = time.perf_counter()
    django_setup()
    ensure_demo_db()
    from priorauth import pdf

    html, _ = demo_packet_html()
    t1 = time.perf_counter()
    first = pdf.html_to_pdf(html)
    t2 = time.perf_counter()
    pdf.html_to_pdf(html)
    t3 = time.perf_counter()
    write_json(
        out,
        {
            "startup_and_html_s": round(t1 - t0, 3),
            "first_render_ms": round((t2 - t1) * 1000, 1),
            "second_render_ms": round((t3 - t2) * 1000, 1),
            "bytes": len(first),
        },
    )


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
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.cold:
        cold(Path(args.out))
        return

    # Cold first: a fresh process (imports, Django set-up, fonts) before this one warms anything.
    cold_out = Path(args.out).with_suffix(".cold.json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "priorauth.bench.pdf_bench",
            "--cold",
            "--out",
            str(cold_out),
        ],
        check=True,
        cwd=ROOT,
        timeout=600,
    )
    import json

    cold_result = json.loads(cold_out.read_text())
    cold_out.unlink()

    django_setup()
    ensure_demo_db()
    from priorauth import pdf

    try:
        import psutil

        proc = psutil.Process()
    except ImportError:  # bench extra not installed
        proc = None
    html, about = demo_packet_html()
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
            "notes": "optimized = priorauth.pdf.html_to_pdf (CSS + FontConfiguration cached per process); "
            "naive = fresh HTML + CSS + FontConfiguration per call",
        },
    )


if __name__ == "__main__":
    main()
