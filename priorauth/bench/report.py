"""Markdown summary of a results dict (printed by the orchestrator, pasted into docs/performance.md)."""

from __future__ import annotations


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return (
            f"{value:.0f}" if value >= 100 else f"{value:.2f}".rstrip("0").rstrip(".")
        )
    return str(value)


def markdown(r: dict) -> str:
    m = r["machine"]
    out = [
        f"## Benchmark run {r['started']} ({r['database']})",
        "",
        f"Command: `{r['command']}`",
        "",
        f"Machine: {m['cpu_model']}, {m['nproc']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}; "
        f"load average at start {' '.join(m.get('loadavg', []))}.",
        "",
    ]
    if "rules" in r:
        e = r["rules"]["evaluate"]
        out += [
            "### Rules evaluation per request (facts built first, no DB time)",
            "",
            f"{e['n']} requests from a {r['rules']['requests_in_db']:,}-request database: "
            f"median {e['median_ms']} ms, p95 {e['p95_ms']} ms, max {e['max_ms']} ms. "
            f"(Building the facts from the DB, prefetched: {r['rules']['facts_build_ms_per_request']} ms a request.)",
            "",
        ]
    if "pdf" in r:
        p = r["pdf"]
        out += [
            "### PDF: standard demo packet "
            f"(request {p['packet']['request_id']}, {p['packet']['procedure']}, {p['pages']} pages, {p['bytes']:,} bytes)",
            "",
            "| render | n | median ms | p95 ms | min | max |",
            "|---|---|---|---|---|---|",
            f"| optimized (`pdf.html_to_pdf`, CSS+fonts once per process) | {p['optimized']['n']} | "
            f"{p['optimized']['median_ms']} | {p['optimized']['p95_ms']} | {p['optimized']['min_ms']} | "
            f"{p['optimized']['max_ms']} |",
            f"| naive (fresh HTML+CSS+FontConfiguration per call) | {p['naive']['n']} | {p['naive']['median_ms']} | "
            f"{p['naive']['p95_ms']} | {p['naive']['min_ms']} | {p['naive']['max_ms']} |",
            "",
            f"Ratio optimized/naive: median **{p['ratio_median']:.0%}**, p95 {p['ratio_p95']:.0%} (target median ≤ 60 %). "
            f"Cold: first render in a fresh process after the worker warm-up "
            f"({p['cold'].get('worker_warm_up_ms')} ms at worker start) {p['cold']['first_render_ms']} ms, second "
            f"{p['cold']['second_render_ms']} ms; without the warm-up: first "
            f"{(p['cold'].get('without_warm_up') or {}).get('first_render_ms')} ms, second "
            f"{(p['cold'].get('without_warm_up') or {}).get('second_render_ms')} ms "
            f"(start-up incl. Django set-up and HTML {p['cold']['startup_and_html_s']} s). "
            f"RSS growth over {2 * p['renders_each']} renders: {p['rss_growth_mb']} MB.",
            "",
        ]
        sc = p.get("single_call")
        if sc:
            out += [
                f"Single-call baseline (`python -m weasyprint` in a fresh process per render, "
                f"{sc['pages']} pages): median {sc['single_call']['median_ms']} ms, p95 "
                f"{sc['single_call']['p95_ms']} ms (n {sc['single_call']['n']}); optimized renders "
                f"interleaved with them: median {sc['optimized_interleaved']['median_ms']} ms. "
                f"Ratio optimized/single call: median **{sc['ratio_median']:.0%}** (target ≤ 60 %).",
                "",
            ]
        rl = p.get("rss_long")
        if rl:
            out += [
                f"P5 memory: RSS growth over {rl['renders']} consecutive renders **{rl['growth_mb']} MB** "
                f"(after each fifth: {', '.join(str(x) for x in rl['growth_mb_by_fifth'])} MB; limit 50 MB).",
                "",
            ]
        bl = p.get("baseline")
        if bl:
            out += [
                f"P2 regression guard: median {bl['median_ms']} ms = {bl['ratio']:.0%} of the stored "
                f"baseline {bl['stored_median_ms']} ms ({bl['stored_at']}; "
                f"{'same machine' if bl['same_machine'] else 'another machine: not comparable'}); "
                f"limit 125 %: {'**regressed**' if bl['regressed'] else 'ok'}.",
                "",
            ]
    for n, s in r["scales"].items():
        seed = s.get("seed", {})
        counts = seed.get("counts", {})
        out += [
            f"### Scale: {int(n):,} requests, {counts.get('history', s['history']):,} history rows, "
            f"{s['practices']} practices",
            "",
        ]
        if seed.get("seed_s") is not None:
            out += [
                f"Seeded in {seed['seed_s']} s (+ ANALYZE {seed.get('analyze_s')} s).",
                "",
            ]
        else:
            out += ["Seed reused from an earlier run.", ""]
        if "queries" in s:
            q = s["queries"]
            out += [
                "Queries per page (total incl. session/user/OTP/audit middleware; view-only):",
                "",
                "| page | total | view-only |",
                "|---|---|---|",
            ]
            out += [
                f"| {page} | {q['pages'][page]} | {q['view_only'].get(page, '-')} |"
                for page in q["pages"]
            ]
            out += [""]
        if "http" in s:
            h = s["http"]
            out += [
                f"HTTP: {h['users']} users, {h['duration_s']} s, think {h['think_s']} s, gunicorn "
                f"{h['gunicorn']['workers']} workers x {h['gunicorn']['threads']} threads, production settings"
                f"{'' if h.get('save_in_load', True) else ', edit form and save left out (--no-save)'}.",
                "",
                "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for name, e in h["endpoints"].items():
                out.append(
                    f"| {name} | {e['requests']} | {e['failures']} | {_fmt(e['p50_ms'])} | {_fmt(e['p95_ms'])} | "
                    f"{_fmt(e['p99_ms'])} | {_fmt(e['max_ms'])} | {e['rps']} |"
                )
            out += [
                "",
                f"Errors: {sum(f['count'] for f in h['failures'])} failed requests, "
                f"{h['server_5xx']} server 5xx, {h['database_is_locked']} 'database is locked', "
                f"{h['tracebacks']} tracebacks in the gunicorn log. Locust exit code "
                f"{h.get('locust_exit')} (0 all targets met, 1 failed requests, 2 a P6-P8 "
                "latency target missed).",
            ]
            tx = h.get("save_transactions")
            if tx:
                out.append(
                    f"Save transactions (P11, BEGIN to COMMIT incl. waiting for the write lock, from "
                    f"the gunicorn log): n {tx['n']}, median {tx['p50_ms']} ms, p95 **{tx['p95_ms']} ms**, "
                    f"max {tx['max_ms']} ms; {tx['over_5s_busy_timeout']} reached the 5 s busy timeout."
                )
            pdf_entry = h["endpoints"].get("pdf")
            if pdf_entry and pdf_entry.get("p95_ms") is not None:
                met = "met" if pdf_entry["p95_ms"] <= 300 else "**missed**"
                out.append(
                    f"P17 (PDF p95 <= 300 ms under this mix): {_fmt(pdf_entry['p95_ms'])}"
                    f" ms, {met}. Drafts left in the rendition cache by who rendered"
                    f" them, and the tasks' outcomes and queue waits: {h.get('renditions')};"
                    f" renders ahead dropped from a full queue:"
                    f" {h.get('renders_ahead_dropped')};"
                    f" worker tracebacks: {h.get('worker_tracebacks')}."
                )
            cold = h["endpoints"].get("pdf (cold)")
            if cold and cold.get("p95_ms") is not None:
                out.append(
                    f"PDFs of requests nothing rendered ahead (before the user's first"
                    f' save, "pdf (cold)"; P8: p95 <= 2 s): n {cold.get("requests")},'
                    f" p50 {_fmt(cold.get('p50_ms'))} ms, p95 {_fmt(cold['p95_ms'])} ms."
                )
            for f in h["failures"][:10]:
                out.append(f"- {f['endpoint']}: {f['count']} x {f['error']}")
            out += [""]
    if "click" in r:
        out += _click(r["click"])
    return "\n".join(out) + "\n"


def _click(c: dict) -> list[str]:
    rows = (
        ("Chromium print-to-PDF (Playwright, warm browser)", c["chromium"]),
        ("first render of a changed packet (draft view)", c["first_render"]),
        ("cached download, unchanged (draft view)", c["cached_download"]),
        ("cached, service only (no HTTP stack)", c["cached_service_only"]),
    )
    out = [
        "### The PDF on the click vs a browser's print (same HTML and print.css)",
        "",
        f"{c['rounds']} interleaved rounds; WeasyPrint {c['renderer']}, HarfBuzz "
        f"subsetting {'on' if c['harfbuzz_subsetting'] else 'OFF'}; pages WeasyPrint "
        f"{c['weasyprint_pages']} ({c['weasyprint_bytes']} B), Chromium "
        f"{c['chromium_pages']} ({c['chromium_bytes']} B).",
        "",
        "| path | n | median ms | p95 ms | min | max |",
        "|---|---|---|---|---|---|",
    ]
    out += [
        f"| {name} | {s['n']} | **{s['median_ms']}** | {s['p95_ms']} | "
        f"{s['min_ms']} | {s['max_ms']} |"
        for name, s in rows
    ]
    out += [
        "",
        f"P15 cached median / Chromium median: {c['p15_cached_vs_chromium']:.0%} "
        f"(target <= 10 %: {'met' if c['p15_met'] else 'missed'}). "
        f"P16 first render / Chromium: {c['p16_first_vs_chromium']}x "
        f"(target <= 2x: {'met' if c['p16_met'] else 'missed'}).",
        "",
    ]
    return out
