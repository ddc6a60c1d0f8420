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
            f"Cold: first render in a fresh process {p['cold']['first_render_ms']} ms, second "
            f"{p['cold']['second_render_ms']} ms (start-up incl. Django set-up and HTML "
            f"{p['cold']['startup_and_html_s']} s). RSS growth over {2 * p['renders_each']} renders: "
            f"{p['rss_growth_mb']} MB.",
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
                f"{h['tracebacks']} tracebacks in the gunicorn log.",
            ]
            for f in h["failures"][:10]:
                out.append(f"- {f['endpoint']}: {f['count']} x {f['error']}")
            out += [""]
    return "\n".join(out) + "\n"
