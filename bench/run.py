"""Time the dashboard, the scorecard PDF and Excel next to a bare authenticated view, in-process.

    make bench            # or: .venv/bin/python bench/run.py [--requests 30] [--pdf-requests 7]

Starts nothing external. A throw-away test database is created the way the
test runner does it (in-memory SQLite by default; with DATABASE_URL set, a
separate test_<name> database on that server), the FY 2565 plan is loaded,
plus a 300-indicator plan of another group in the same year. Django's test
Client then requests, as a department administrator:

  ping        /reports/ping/                the baseline: session, auth, middleware
  dash-30     /reports/dashboard/?plan=...  the real 30-indicator plan
  dash-300    /reports/dashboard/?plan=...  the 300-indicator plan
  ind-30      /assessments/indicator/<pk>/  indicator ๑ of the real plan
  rollup-3000 /reports/rollup/              the department roll-up: 100 units of 30 indicators
  dash-30-miss, dash-300-miss, rollup-3000-miss
              the same with the cache emptied before each request: what the first reader after a
              write pays (pages are cached under the plan's version, indicators/versions.py)
  pdf-exec-30 / pdf-full-30 / pdf-exec-300 / pdf-full-300
              /reports/scorecard.pdf?plan=...&quarter=2&edition=executive|full
  xlsx-30 / xlsx-300
              /reports/scorecard.xlsx?plan=...&quarter=2
  pdf-exec-s30, pdf-full-s30, xlsx-s30
              the same of a 30-indicator plan made like the 300-indicator one (sampledata.plans, whose
              indicators carry more than the real plan's): the 300/30 targets compare plans of one kind

and prints the median server time of each (after warm-up), the median CPU
time of this process per request (less sensitive than the wall clock to other
work on a shared machine), its number of queries, and the ratio to ping.

The very first request of the run is a 30-indicator executive PDF: it pays
for importing WeasyPrint and preparing fonts and styles, as the first PDF of
a freshly started worker does ("pdf-first"); it is compared with the warm
median of the same page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_tracker.settings")
os.environ.setdefault("KPI_TESTING", "1")


def main() -> None:
    args = _arguments()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        world = _world(args)
        if not args.cold_pdf:
            # As in production (kpi_tracker/wsgi.py): a server process starts preparing the PDFs' fonts and
            # styles in the background when it starts (reports.pdf.prepare), here once the database holds
            # the plans; pages are served meanwhile, and a PDF is asked for later. --cold-pdf: no preparation.
            from reports.pdf import PREPARED, prepare_in_background

            prepare_in_background()
            for _ in range(600):
                if PREPARED:
                    break
                time.sleep(0.1)
        first_pdf, prepared = _first_pdf(world, args)
        results = {name: _measure(world["client"], url, count, warmup, miss)
                   for name, url, count, warmup, miss in _pages(world, args)}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    lines = _report(results, args, vendor=connection.vendor, first_pdf=first_pdf, prepared=prepared)
    print("\n".join(lines))
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cold-pdf", action="store_true",
                        help="do not prepare the PDF fonts when the URLconf loads: the first PDF pays for it")
    parser.add_argument("--only-30", action="store_true", help="leave out the 300-indicator PDFs (quicker)")
    parser.add_argument("--no-rollup", action="store_true", help="leave out the 100-unit roll-up (quicker)")
    parser.add_argument("--pdf-requests", type=int, default=7,
                        help="timed requests per PDF and Excel file (default 7; 3 for the 300-indicator full PDF)")
    parser.add_argument("--save", type=Path, help="also write the table to this file (bench/load.py includes it)")
    return parser.parse_args()


def _world(args) -> dict:
    """The FY 2565 plan, a 300-indicator plan, and (for the roll-up) 98 more units of 30 indicators."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from indicators.models import Appointment
    from indicators.services import plan_load
    from sampledata.plans import make_plan

    data = json.loads((ROOT / "fixtures" / "plan_2565.json").read_text(encoding="utf-8"))
    plan = plan_load(data=data).plan
    admin = get_user_model().objects.create_user("bench-admin", email="bench@example.go.th")
    Appointment.objects.create(user=admin, org_unit=plan.org_unit.parent, role=Appointment.Role.ADMIN)
    department = plan.org_unit.parent
    big = make_plan(name="สำนักงานบังคับคดีจังหวัดตัวอย่าง", indicators=300, department=department, recorder=admin)
    small = make_plan(name="กลุ่มตรวจสอบภายใน", indicators=30, department=department, recorder=admin)
    if not args.no_rollup:  # 100 units of 30 indicators under the department, with the two above
        for n in range(100 - 2):
            make_plan(name=f"หน่วยงานทดสอบ {n + 1}", indicators=30, department=department, recorder=admin)
    client = Client()
    client.force_login(admin)
    return {"plan": plan, "big": big, "small": small, "client": client, "first": plan.indicators.order_by("number").first()}


def _first_pdf(world, args) -> tuple[float, float | None]:
    """The first PDF of the process: WeasyPrint and its fonts are ready if the background preparation
    (started with the process, as kpi_tracker/wsgi.py does) has finished; it waits for it if not."""
    from reports import pdf as pdf_module

    start = time.perf_counter()
    assert world["client"].get(_pdf_url(world["plan"], "executive")).status_code == 200
    first_pdf = (time.perf_counter() - start) * 1000
    return first_pdf, (pdf_module.PREPARED.get("seconds") if not args.cold_pdf else None)


def _pdf_url(plan, edition: str) -> str:
    from django.urls import reverse

    return f"{reverse('reports:scorecard-pdf')}?plan={plan.pk}&quarter=2&edition={edition}"


def _pages(world, args) -> list[tuple[str, str, int, int, bool]]:
    """(name, url, timed requests, warm-up requests, empty the cache before each request)."""
    from django.urls import reverse

    plan, big, n, few = world["plan"], world["big"], args.requests, args.pdf_requests
    dashboard, xlsx = reverse("reports:dashboard"), reverse("reports:scorecard-xlsx")
    pages = [
        ("ping", reverse("reports:ping"), n, args.warmup, False),
        ("dash-30", f"{dashboard}?plan={plan.pk}", n, args.warmup, False),
        ("dash-300", f"{dashboard}?plan={big.pk}", n, args.warmup, False),
        ("ind-30", reverse("assessments:indicator", args=[world["first"].pk]), n, args.warmup, False),
        *([] if args.no_rollup else [("rollup-3000", reverse("reports:rollup"), n, args.warmup, False)]),
        ("dash-30-miss", f"{dashboard}?plan={plan.pk}", few * 3, 1, True),
        ("dash-300-miss", f"{dashboard}?plan={big.pk}", few * 3, 1, True),
        *([] if args.no_rollup else [("rollup-3000-miss", reverse("reports:rollup"), few, 1, True)]),
        ("pdf-exec-30", _pdf_url(plan, "executive"), few, 1, False),
        ("pdf-full-30", _pdf_url(plan, "full"), few, 1, False),
        *([] if args.only_30 else [
            # The 300-indicator plan is made by sampledata.plans, whose indicators carry more than the real
            # plan's (steps done, evidence, history): the scaling is measured against 30 of the same kind.
            ("pdf-exec-s30", _pdf_url(world["small"], "executive"), few, 1, False),
            ("pdf-full-s30", _pdf_url(world["small"], "full"), few, 1, False),
            ("pdf-exec-300", _pdf_url(big, "executive"), few, 1, False),
            ("pdf-full-300", _pdf_url(big, "full"), max(1, min(few, 3)), 1, False),
        ]),
        ("xlsx-30", f"{xlsx}?plan={plan.pk}&quarter=2", few * 3, 2, False),
        ("xlsx-s30", f"{xlsx}?plan={world['small'].pk}&quarter=2", few * 3, 2, False),
        ("xlsx-300", f"{xlsx}?plan={big.pk}&quarter=2", few * 3, 2, False),
    ]
    return pages


def _measure(client, url: str, count: int, warmup: int, miss: bool) -> tuple:
    """(median ms, min ms, max ms, median CPU ms, queries of one request, count)."""
    from django.core.cache import cache
    from django.db import connection

    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    executed = []
    if miss:
        cache.clear()
    with connection.execute_wrapper(lambda execute, sql, *a: executed.append(sql) or execute(sql, *a)):
        client.get(url)
    times, cpu = [], []
    for _ in range(count):
        if miss:
            cache.clear()  # not timed: the next request finds nothing cached, as after a write
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return statistics.median(times), min(times), max(times), statistics.median(cpu), len(executed), count


def _report(results: dict, args, *, vendor: str, first_pdf: float, prepared) -> list[str]:
    base = results["ping"][0]
    lines = [f"database: {vendor}   requests per page: {args.requests} (after {args.warmup} warm-up); "
             f"PDF, Excel and cache misses: n below (after 1-2 warm-up)   "
             f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
             f"{'page':<16} {'n':>3} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'cpu ms':>8} {'queries':>8} {'× ping':>8}"]
    for name, (median, lo, hi, cpu, queries, count) in results.items():
        lines.append(f"{name:<16} {count:>3} {median:>10.1f} {lo:>8.1f} {hi:>8.1f} {cpu:>8.1f} {queries:>8} {median / base:>8.1f}")

    def ratio(large: str, small: str, target: str = "") -> None:
        if large in results and small in results:
            a, b = results[large], results[small]
            lines.append(f"{large} / {small}: {a[0] / b[0]:.1f}× the time ({a[3] / b[3]:.1f}× the CPU time), "
                         f"{a[4]} vs {b[4]} queries{target}")

    ratio("dash-300", "dash-30", " (target ≤ 2×)")
    ratio("dash-300-miss", "dash-30-miss")
    ratio("rollup-3000", "dash-30", " (target ≤ 3×)")
    ratio("rollup-3000-miss", "dash-30-miss")
    for kind in ("pdf-exec", "pdf-full", "xlsx"):
        ratio(f"{kind}-300", f"{kind}-s30", " (target ≤ 10×)" if kind != "xlsx" else "")
        ratio(f"{kind}-300", f"{kind}-30")
    lines.append(f"pdf-first (first PDF of the process, a 30-indicator executive): {first_pdf:.1f} ms = "
                 f"{first_pdf / results['pdf-exec-30'][0]:.1f}× the warm median (target ≤ 2×); "
                 + (f"fonts prepared in the background in {prepared * 1000:.0f} ms before it"
                    if prepared is not None else "no preparation before it (--cold-pdf)"))
    return lines


if __name__ == "__main__":
    main()
