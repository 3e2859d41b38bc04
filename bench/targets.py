"""The targets of issue 11 next to the measured figures, printed at the end of `make bench`
(rows whose figures were not measured — e.g. under --only — are left out)."""


def _by_name(results):
    return {entry.get("name"): entry for entry in results}


def rows(results, workers):
    """[(target, measured, met)] for the figures present in results."""
    found = _by_name(results)
    floor = (found.get("floor: /ping") or {}).get("rps")
    out = []
    mix = found.get("family_mix")
    if mix:
        out.append(("семейная смесь ≥ 400 rps", f"{mix['rps']} rps", mix["rps"] >= 400))
        out.append(("семейная смесь: p95 ≤ 100 мс", f"{mix['p95_ms']} мс", mix["p95_ms"] <= 100))
        errors = mix["errors"] + (mix.get("staff_errors") or 0)
        out.append(("семейная смесь и персонал: без ошибок",
                    f"{mix['errors']} + {mix.get('staff_errors')} (персонал)", errors == 0))
    week, queue = found.get("parent: week page"), found.get("clerk: queue first page")
    if week and floor:
        out.append(("страница недели ≥ 0,35 × пол", f"×{week['ratio_to_floor']}", week["rps"] >= 0.35 * floor))
    if queue and floor:
        out.append(("очередь секретаря ≥ 0,1 × пол", f"×{queue['ratio_to_floor']}", queue["rps"] >= 0.1 * floor))
    submit = found.get(f"parent: application submit, {workers} соед.")
    if submit:
        out.append((f"подача заявления: p95 ≤ 50 мс при {workers} соед.", f"{submit['p95_ms']} мс",
                    submit["p95_ms"] <= 50))
    rss = (found.get("worker_rss_mb") or {}).get("mb")
    if rss is not None:
        out.append(("память воркера ≤ 150 МБ", f"{rss} МБ", rss <= 150))
    return out


def print_table(results, workers):
    table = rows(results, workers)
    if not table:
        return
    print("Цели:")
    for target, measured, met in table:
        print(f"  {target:<48} {measured:>22}  {'выполнено' if met else 'не выполнено'}")
