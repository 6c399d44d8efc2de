"""A believable กรมบังคับคดี of any size: units, people, plans, cascades, a year of progress (demo and tests;
the product pages never import this).

`build_department(units=100, indicators=30, year_be=...)` is what
`python manage.py seed_department` runs (and the tests, smaller). Everything is
written with bulk_create, for all units at once, so 100 units of 30 indicators
take seconds. Idempotent: units are found by name under their parent, and a unit
that already has a plan for the year is left as it is.

The tree: กรมบังคับคดี → สำนัก/กอง/กลุ่ม (some with ฝ่าย) and สำนักงานบังคับคดีจังหวัด
(ภาค 1-9) → สาขา. Each unit with a plan has a director (a login: dir-<unit id>),
two members of staff, and indicators of which the first few carry the
department's 5G KPIs down (Cascade), a branch's carry its provincial office's.
A unit's progress follows its "quality" so the roll-up shows every state: all
met, behind, overdue, no criteria, rounds submitted on time, late and not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments.models import HistoryEntry, RoundAssessment, StepCompletion
from indicators import readers, versions
from indicators.models import (
    ActionPlan,
    Appointment,
    Cascade,
    CriteriaSet,
    Indicator,
    IndicatorOwner,
    MilestoneStep,
    OrgUnit,
    Person,
    PolicyKPI,
    Target,
)
from indicators.services import fiscal_year_ensure

DEPARTMENT = "กรมบังคับคดี"
DEMO_PASSWORD = "demo-department-2570"
MONITOR_USERNAME = "kpr-monitor"

CENTRAL = [
    ("สำนักงานเลขานุการกรม", "division"), ("กองบริหารการคลัง", "division"), ("กองบริหารทรัพยากรบุคคล", "division"),
    ("กองแผนงาน", "division"), ("กองนิติการ", "division"), ("กองประเมินราคาทรัพย์สิน", "division"),
    ("กองวางทรัพย์กลาง", "division"), ("กองบังคับคดีฟื้นฟูกิจการของลูกหนี้", "division"),
    ("กองพัฒนาระบบการบังคับคดี", "division"), ("ศูนย์เทคโนโลยีสารสนเทศและการสื่อสาร", "division"),
    ("สถาบันพัฒนาบุคลากรด้านการบังคับคดี", "division"), ("กลุ่มตรวจสอบภายใน", "group"),
    ("กลุ่มพัฒนาระบบบริหาร", "group"), ("กลุ่มคุ้มครองจริยธรรม", "group"),
] + [(f"กองบังคับคดีแพ่ง {n}", "division") for n in range(1, 7)] + [
    (f"กองบังคับคดีล้มละลาย {n}", "division") for n in range(1, 9)]
SECTIONS = ["ฝ่ายบริหารทั่วไป", "ฝ่ายติดตามและประเมินผล"]

# (province, ภาค) in the order of the Courts of Justice regions.
PROVINCES = [
    ("นนทบุรี", 1), ("ปทุมธานี", 1), ("พระนครศรีอยุธยา", 1), ("สมุทรปราการ", 1), ("อ่างทอง", 1), ("ลพบุรี", 1),
    ("สระบุรี", 1), ("สิงห์บุรี", 1), ("ชัยนาท", 1), ("นครปฐม", 1),
    ("ชลบุรี", 2), ("ระยอง", 2), ("จันทบุรี", 2), ("ตราด", 2), ("ฉะเชิงเทรา", 2), ("ปราจีนบุรี", 2),
    ("สระแก้ว", 2), ("นครนายก", 2),
    ("นครราชสีมา", 3), ("บุรีรัมย์", 3), ("สุรินทร์", 3), ("ศรีสะเกษ", 3), ("อุบลราชธานี", 3), ("ชัยภูมิ", 3),
    ("ยโสธร", 3), ("อำนาจเจริญ", 3),
    ("ขอนแก่น", 4), ("อุดรธานี", 4), ("เลย", 4), ("หนองคาย", 4), ("มหาสารคาม", 4), ("ร้อยเอ็ด", 4),
    ("กาฬสินธุ์", 4), ("สกลนคร", 4), ("นครพนม", 4), ("มุกดาหาร", 4), ("หนองบัวลำภู", 4), ("บึงกาฬ", 4),
    ("เชียงใหม่", 5), ("เชียงราย", 5), ("ลำปาง", 5), ("ลำพูน", 5), ("แม่ฮ่องสอน", 5), ("น่าน", 5),
    ("พะเยา", 5), ("แพร่", 5),
    ("พิษณุโลก", 6), ("นครสวรรค์", 6), ("กำแพงเพชร", 6), ("ตาก", 6), ("สุโขทัย", 6), ("เพชรบูรณ์", 6),
    ("พิจิตร", 6), ("อุทัยธานี", 6), ("อุตรดิตถ์", 6),
    ("ราชบุรี", 7), ("กาญจนบุรี", 7), ("สุพรรณบุรี", 7), ("เพชรบุรี", 7), ("ประจวบคีรีขันธ์", 7),
    ("สมุทรสาคร", 7), ("สมุทรสงคราม", 7),
    ("สุราษฎร์ธานี", 8), ("นครศรีธรรมราช", 8), ("ภูเก็ต", 8), ("กระบี่", 8), ("พังงา", 8), ("ระนอง", 8),
    ("ชุมพร", 8),
    ("สงขลา", 9), ("ปัตตานี", 9), ("ยะลา", 9), ("นราธิวาส", 9), ("สตูล", 9), ("ตรัง", 9), ("พัทลุง", 9),
]
BRANCHES = {"นนทบุรี": "บางบัวทอง", "เชียงใหม่": "ฝาง", "นครราชสีมา": "สีคิ้ว", "ขอนแก่น": "ชุมแพ", "อุบลราชธานี": "เดชอุดม",
            "สงขลา": "นาทวี", "สุราษฎร์ธานี": "เกาะสมุย", "ชลบุรี": "พัทยา", "นครศรีธรรมราช": "ทุ่งสง",
            "อุดรธานี": "บ้านผือ", "พิษณุโลก": "วังทอง", "ราชบุรี": "ดำเนินสะดวก", "ลำปาง": "เถิน"}

FIVE_G = [
    (1, "Good Governance", "ร้อยละความสำเร็จของการบังคับคดีแพ่งที่ดำเนินการแล้วเสร็จ", "80", "ร้อยละ"),
    (2, "Good Service", "ร้อยละความพึงพอใจของผู้รับบริการ", "85", "ร้อยละ"),
    (3, "Good Technology", "จำนวนบริการที่ให้ผ่านระบบอิเล็กทรอนิกส์", "20", "บริการ"),
    (4, "Good People", "ร้อยละของบุคลากรที่ได้รับการพัฒนาตามแผน", "90", "ร้อยละ"),
    (5, "Good Image", "ร้อยละของทรัพย์สินที่ขายทอดตลาดได้", "60", "ร้อยละ"),
]
INDICATOR_NAMES = [
    "ร้อยละของสำนวนคดีแพ่งที่ดำเนินการแล้วเสร็จ", "ระดับความสำเร็จของการให้บริการประชาชน",
    "ระดับความสำเร็จของการให้บริการผ่านระบบอิเล็กทรอนิกส์", "ร้อยละของบุคลากรที่ได้รับการพัฒนา",
    "ร้อยละของทรัพย์สินที่ขายทอดตลาดได้", "ระดับความสำเร็จของการไกล่เกลี่ยข้อพิพาทชั้นบังคับคดี",
    "ระดับความสำเร็จของการเบิกจ่ายงบประมาณ", "ระดับความสำเร็จของการลดระยะเวลาการจ่ายเงินแก่คู่ความ",
    "ระดับความสำเร็จของการจัดการความรู้", "ระดับความสำเร็จของการควบคุมภายใน",
    "ระดับความสำเร็จของการประชาสัมพันธ์เชิงรุก", "ระดับความสำเร็จของการบริหารความเสี่ยง",
    "ระดับความสำเร็จของการจัดเก็บข้อมูลสำนวนในระบบ", "ระดับความสำเร็จของการประเมินราคาทรัพย์ตามกำหนด",
    "ระดับความสำเร็จของการตรวจสอบสำนวนค้างเก่า",
]


@dataclass
class DepartmentResult:
    department: OrgUnit
    units_created: int
    plans_created: int
    indicators_created: int


def _unit_specs(count: int) -> list[tuple[str, str, int, str | None]]:
    """(name, kind, region, parent name or None for the department), `count` units with plans."""
    central = CENTRAL[: min(len(CENTRAL), max(1, count // 5))]
    specs = [(name, kind, 0, None) for name, kind in central]
    # Round the regions, so that even a small department has offices in several of them.
    seen: dict[int, int] = {}
    ranked = []
    for province, region in PROVINCES:
        seen[region] = seen.get(region, 0) + 1
        ranked.append((seen[region], region, province))
    for _rank, region, province in sorted(ranked):
        if len(specs) >= count:
            break
        office = f"สำนักงานบังคับคดีจังหวัด{province}"
        specs.append((office, OrgUnit.Kind.PROVINCIAL, region, None))
        if province in BRANCHES and len(specs) < count:
            specs.append((f"สำนักงานบังคับคดีจังหวัด{province} สาขา{BRANCHES[province]}", OrgUnit.Kind.BRANCH, region,
                          office))
    n = 1
    while len(specs) < count:  # more than the country has: numbered branches of the capital's region
        specs.append((f"สำนักงานบังคับคดีจังหวัดนนทบุรี สาขา {n}", OrgUnit.Kind.BRANCH, 1,
                      "สำนักงานบังคับคดีจังหวัดนนทบุรี"))
        n += 1
    return specs


def _ensure_units(department: OrgUnit, specs) -> tuple[list[OrgUnit], int]:
    """The units of specs under the department (created when missing), in specs' order."""
    existing = {(u.parent_id, u.name): u for u in OrgUnit.objects.filter(tree_path__startswith=department.tree_path)}
    created = 0
    out = []
    for name, kind, region, parent_name in specs:
        parent = department if parent_name is None else existing[(department.pk, parent_name)]
        unit = existing.get((parent.pk, name))
        if unit is None:
            unit = OrgUnit.objects.create(name=name, kind=kind, region=region, parent=parent)
            existing[(parent.pk, name)] = unit
            created += 1
        out.append(unit)
    for unit in out[:5]:  # a few ฝ่าย under the first divisions (data collectors, no plans of their own)
        if unit.kind == OrgUnit.Kind.DIVISION:
            for name in SECTIONS:
                if (unit.pk, name) not in existing:
                    existing[(unit.pk, name)] = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.SECTION, parent=unit)
    return out, created


def _five_g(department: OrgUnit, fy) -> list[PolicyKPI]:
    kpis = list(PolicyKPI.objects.filter(fiscal_year=fy, org_unit=department).order_by("number"))
    if kpis:
        return kpis
    return PolicyKPI.objects.bulk_create(
        PolicyKPI(fiscal_year=fy, org_unit=department, number=n, group_number=n, group=group, name=name,
                  target_value=Decimal(target), target_unit=unit)
        for n, group, name, target, unit in FIVE_G
    )


def _quality(u: int) -> int:
    """0: everything on time and met; 1-4: increasingly behind (drives levels and submissions)."""
    return u % 5


def _done_steps(u: int, i: int) -> tuple[int, int]:
    """(steps done by the 6-month close, steps done by the year's end) of indicator i of unit u."""
    q = _quality(u)
    if q == 0:
        return 3 + i % 2, 5
    by_six = (i + u) % (6 - q)  # the worse the unit, the fewer steps early
    return by_six, min(5, by_six + (i + q) % 4)


@transaction.atomic
def build_department(*, units: int = 100, indicators: int = 30, year_be: int, today: dt.date | None = None,
                     ) -> DepartmentResult:
    today = today or timezone.localdate()
    fy = fiscal_year_ensure(year_be=year_be)
    rounds = {r.months: r for r in fy.rounds.all()}
    department = OrgUnit.objects.filter(parent=None, name=DEPARTMENT).first() or OrgUnit.objects.create(
        name=DEPARTMENT, kind=OrgUnit.Kind.DEPARTMENT)
    unit_list, units_created = _ensure_units(department, _unit_specs(units))
    kpis = _five_g(department, fy)
    password = make_password(DEMO_PASSWORD)
    _monitor(department, password)

    planned = set(ActionPlan.objects.filter(fiscal_year=fy, org_unit__in=unit_list).values_list("org_unit_id", flat=True))
    todo = [u for u in unit_list if u.pk not in planned]
    if not todo:
        return DepartmentResult(department, units_created, 0, 0)
    directors = _directors(todo, password)
    staff = _staff(todo, directors)
    plans = ActionPlan.objects.bulk_create(
        ActionPlan(org_unit=u, fiscal_year=fy, title=f"แผนปฏิบัติการ {u.name}") for u in todo)
    objs, by_plan = _indicators(plans, staff, rounds, indicators)
    # The last indicator of each plan has no criteria yet (ยังไม่กำหนดเกณฑ์).
    measured = [o for o in objs if o.number != indicators or indicators == 1]
    sets = CriteriaSet.objects.bulk_create(CriteriaSet(indicator=o) for o in measured)
    steps = MilestoneStep.objects.bulk_create(
        MilestoneStep(criteria_set=cs, number=n, text=f"ขั้นตอนที่ {n}: ดำเนินการตามแผนงานส่วนที่ {n}")
        for cs in sets for n in range(1, 6))
    _progress(plans, measured, steps, rounds, directors, today)
    _cascades(plans, by_plan, kpis, unit_list, fy)
    versions.everything_changed()  # bulk_create sends no signal: new cascade links (structure.cascaded_children)
    return DepartmentResult(department, units_created, len(plans), len(objs))


def _monitor(department: OrgUnit, password: str) -> None:
    """กพร. of the department: reads every plan and the roll-up."""
    monitor, _ = get_user_model().objects.get_or_create(username=MONITOR_USERNAME, defaults={
        "password": password, "email": f"{MONITOR_USERNAME}@example.go.th", "first_name": "กพร.", "last_name": "กรม"})
    Appointment.objects.get_or_create(user=monitor, org_unit=department, role=Appointment.Role.MONITOR)


def _directors(todo: list[OrgUnit], password: str) -> dict:
    """One director login per unit (dir-<unit pk>), appointed to it; by username."""
    User = get_user_model()
    names = [f"dir-{u.pk}" for u in todo]
    existing_users = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=f"dir-{u.pk}", password=password, email=f"dir-{u.pk}@example.go.th",
             first_name="ผู้อำนวยการ", last_name=u.name[:150])
        for u in todo if f"dir-{u.pk}" not in existing_users])
    directors = {usr.username: usr for usr in User.objects.filter(username__in=names)}
    Appointment.objects.bulk_create([Appointment(user=directors[f"dir-{u.pk}"], org_unit=u, role=Appointment.Role.DIRECTOR)
                                     for u in todo], ignore_conflicts=True)
    readers.people_changed()  # bulk_create sends no signal
    return directors


def _staff(todo: list[OrgUnit], directors: dict) -> dict[int, list[Person]]:
    """Three people per unit (the first is its director); the other two own its indicators, by unit pk."""
    first = ["สมชาย", "กมลวรรณ", "ธนากร", "พรทิพย์", "วีระพงษ์", "อรอุมา", "ณัฐพล", "สุภาวดี", "ประเสริฐ"]
    last = ["ใจดี", "ศรีสุข", "วงศ์ไทย", "บุญมา", "ทองคำ", "แสงทอง", "มั่นคง", "พึ่งบุญ", "รุ่งเรือง"]
    people = Person.objects.bulk_create(
        [Person(title="นาย" if k % 2 == 0 else "นาง", first_name=first[(n + k) % len(first)],
                last_name=f"{last[(n * 3 + k) % len(last)]} {k + 1}", position="นักวิชาการ", org_unit=u,
                user=directors[f"dir-{u.pk}"] if k == 0 else None)
         for n, u in enumerate(todo) for k in range(3)], ignore_conflicts=False)
    readers.people_changed()  # bulk_create sends no signal
    return {u.pk: people[n * 3 + 1: n * 3 + 3] for n, u in enumerate(todo)}


def _indicators(plans: list[ActionPlan], staff: dict[int, list[Person]], rounds: dict, count: int):
    """`count` indicators per plan with their two owners and targets: (all of them, by plan pk)."""
    objs = Indicator.objects.bulk_create(
        Indicator(plan=p, number=i, name=f"{INDICATOR_NAMES[(i - 1) % len(INDICATOR_NAMES)]}"
                  + (f" (ด้านที่ {(i - 1) // len(INDICATOR_NAMES) + 1})" if i > len(INDICATOR_NAMES) else ""),
                  supervisor="ผู้อำนวยการ")
        for p in plans for i in range(1, count + 1))
    by_plan = {p.pk: [o for o in objs if o.plan_id == p.pk] for p in plans}
    IndicatorOwner.objects.bulk_create(
        [IndicatorOwner(indicator=o, person=staff[p.org_unit_id][o.number % 2], role="primary", order=0)
         for p in plans for o in by_plan[p.pk]]
        + [IndicatorOwner(indicator=o, person=staff[p.org_unit_id][(o.number + 1) % 2], role="secondary", order=1)
           for p in plans for o in by_plan[p.pk]])
    Target.objects.bulk_create([Target(indicator=o, round=rounds[m], level=lv) for o in objs
                                for m, lv in ((6, 3), (12, 5))])
    return objs, by_plan


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _progress(plans, measured, steps, rounds, directors, today: dt.date) -> None:
    unit_no = {p.pk: n for n, p in enumerate(plans)}
    director_of = {p.pk: directors[f"dir-{p.org_unit_id}"] for p in plans}
    six, twelve = rounds[6], rounds[12]
    steps_of: dict[int, list[MilestoneStep]] = {}
    for s in steps:
        steps_of.setdefault(s.criteria_set.indicator_id, []).append(s)
    completions, assessments, history = [], [], []
    for o in measured:
        u, i = unit_no[o.plan_id], o.number
        by_six, by_year = _done_steps(u, i)
        recorder = director_of[o.plan_id]
        for s in steps_of[o.pk]:
            if s.number <= by_six:
                day = six.starts_on + dt.timedelta(days=20 * s.number + i % 7)
            elif s.number <= by_year:
                day = six.closes_on + dt.timedelta(days=25 * (s.number - by_six) + i % 5)
            else:
                continue
            if day <= today:
                completions.append(StepCompletion(step=s, done_on=day, recorded_by=recorder))
                history.append((HistoryEntry(indicator=o, step=s, action=HistoryEntry.Action.STEP_DONE, actor=recorder),
                                _at(day, 9 + i % 8)))
        for rnd, level in ((six, min(by_six, 5)), (twelve, by_year)):
            q = _quality(u)
            if q == 4 and i % 3 == 0:
                continue  # never submitted
            late = q in (2, 3) and i % 2 == 0
            day = rnd.closes_on + dt.timedelta(days=6 if late else -2 - i % 4)
            if day > today:
                continue
            verified = day + dt.timedelta(days=3) <= today and i % 4 != 1
            assessments.append(RoundAssessment(
                indicator=o, round=rnd, self_level=level, submitted_by=recorder, submitted_at=_at(day, 14),
                status=RoundAssessment.ReviewStatus.VERIFIED if verified else RoundAssessment.ReviewStatus.SUBMITTED,
                verified_level=level if verified else None, reviewed_by=recorder if verified else None,
                reviewed_at=_at(day + dt.timedelta(days=3), 11) if verified else None))
    StepCompletion.objects.bulk_create(completions, batch_size=2000)
    RoundAssessment.objects.bulk_create(assessments, batch_size=2000)
    rows = HistoryEntry.objects.bulk_create([h for h, _ in history], batch_size=2000)
    for row, (_, at) in zip(rows, history):
        row.at = at  # auto_now_add stamped "now"; the demo's history has the days the steps were done
    HistoryEntry.objects.bulk_update(rows, ["at"], batch_size=2000)


def _cascades(plans, by_plan, kpis, unit_list, fy) -> None:
    """The first indicators of every plan carry a 5G KPI; a branch's 6th carries its provincial office's 6th."""
    links = []
    plan_of_unit = {p.org_unit_id: p for p in plans}
    plan_of_unit.update({p.org_unit_id: p for p in ActionPlan.objects.filter(fiscal_year=fy, org_unit__in=unit_list)
                         .exclude(pk__in=[p.pk for p in plans])})
    for p in plans:
        for o in by_plan[p.pk][: len(kpis)]:
            links.append(Cascade(policy_kpi=kpis[o.number - 1], child=o))
        unit = next(u for u in unit_list if u.pk == p.org_unit_id)
        parent_plan = plan_of_unit.get(unit.parent_id)
        if unit.kind == OrgUnit.Kind.BRANCH and parent_plan is not None and len(by_plan[p.pk]) >= 6:
            parent_indicator = Indicator.objects.filter(plan=parent_plan, number=6).first()
            if parent_indicator is not None:
                links.append(Cascade(indicator=parent_indicator, child=by_plan[p.pk][5]))
    Cascade.objects.bulk_create(links, ignore_conflicts=True)
