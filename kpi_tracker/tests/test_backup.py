"""Backup and restore: a year's work, with its evidence files, survives into an empty database.

The round trip: the real FY 2565 plan, progress recorded through the services
(ticks with PDF and PNG evidence under Thai names, an edit, an untick and
re-tick, a removed file, a verified round, a returned one, a 5G KPI value),
the scorecards of every quarter and round (rows, history, the Excel workbook's
cells) and every table row; `manage.py backup`; `manage.py flush` and the
evidence folder emptied; `manage.py restore`; then everything is compared,
the evidence bytes too, and new work can be recorded (sequences reset).

Runs on SQLite and on PostgreSQL (CI runs the suite on both).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import shutil
import tarfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from assessments import services
from assessments.models import Evidence, HistoryEntry, PolicyKPIMeasurement, RoundAssessment, StepCompletion
from indicators.models import ActionPlan, Appointment, MilestoneStep, PolicyKPI
from kpi_tracker import backup
from reports.excel import render_xlsx
from reports.scorecard import Period, build_scorecard

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
FIXED = dt.datetime(2022, 10, 1, 9, 0, tzinfo=dt.timezone.utc)

# Real transactions: `flush` empties the database as a new one would be, and on PostgreSQL it
# cannot TRUNCATE inside the test's transaction; restore's own transaction is then real too.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path, fy_today):
    settings.MEDIA_ROOT = tmp_path / "evidence"
    fy_today(dt.date(2022, 6, 20))
    return settings.MEDIA_ROOT


def steps_of(indicator):
    cs = next(c for c in indicator.criteria_sets.all() if c.round_id is None)
    return list(cs.steps.order_by("number"))


def upload(name, content):
    return SimpleUploadedFile(name, content)


def record_a_year(plan, users, rounds):
    """Progress of every kind, through the services, as the pages record it."""
    owner, coowner, director, admin = users["owner"], users["coowner"], users["director"], users["admin"]
    one, two, twelve = (plan.indicators.get(number=n) for n in (1, 2, 12))
    s1, s2 = steps_of(one), steps_of(two)
    services.step_complete(step=s1[0], done_on=dt.date(2021, 11, 1), by=owner, note="ประชุมคณะทำงาน ครั้งที่ ๑",
                           files=[upload("รายงานการประชุม ครั้งที่ ๑.pdf", PDF)])
    c2 = services.step_complete(step=s1[1], done_on=dt.date(2021, 12, 15), by=coowner, note="",
                                files=[upload("ภาพกิจกรรม.png", PNG)])
    services.step_edit(step=s1[1], by=coowner, done_on=dt.date(2021, 12, 20), note="แก้วันที่ตามหนังสือ",
                       expected_completion_id=c2.pk, expected_version=c2.version,
                       files=[upload("หนังสือ <ด่วน> =SUM(A1).pdf", PDF + b"% second\n")])
    c3 = services.step_complete(step=s1[2], done_on=dt.date(2022, 1, 5), by=owner)
    services.step_uncomplete(step=s1[2], by=owner, reason="บันทึกผิดขั้นตอน", expected_completion_id=c3.pk,
                             expected_version=c3.version)
    services.step_complete(step=s1[2], done_on=dt.date(2022, 2, 1), by=owner, note="บันทึกใหม่",
                           files=[upload("ผิดไฟล์.pdf", PDF + b"% wrong\n")])
    wrong = Evidence.objects.get(original_name="ผิดไฟล์.pdf")
    services.evidence_remove(evidence=wrong, by=owner, reason="แนบผิดไฟล์")
    services.round_submit(indicator=one, round=rounds[6], by=owner, note="ส่งผลรอบ ๖ เดือน")
    services.round_verify(indicator=one, round=rounds[6], by=director, level=2, reason="ขั้นตอนที่ ๓ ไม่มีหลักฐาน")

    services.step_complete(step=s2[0], done_on=dt.date(2021, 12, 31), by=owner)
    services.step_complete(step=s2[1], done_on=dt.date(2022, 1, 1), by=owner)
    services.round_submit(indicator=two, round=rounds[6], by=owner)
    services.round_return(indicator=two, round=rounds[6], by=director, comment="ขอเอกสารหลักฐานเพิ่ม")
    services.step_complete(step=steps_of(twelve)[0], done_on=dt.date(2022, 3, 1), by=admin)
    services.kpi_measurement_record(kpi=PolicyKPI.objects.get(number=3), value="88.5",
                                    measured_on=dt.date(2022, 3, 15), source="รายงาน กพร.", by=director)
    users["owner"].groups.create(name="ผู้รับผิดชอบตัวชี้วัด")


def workbook_cells(data: bytes) -> dict:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def snapshot(plan_pk: int, root) -> dict:
    """Everything a department would miss: scorecards (rows, history, Excel cells), rows, file bytes."""
    plan = ActionPlan.objects.select_related("fiscal_year", "org_unit").get(pk=plan_pk)
    periods = [Period.for_quarter(2565, q) for q in (1, 2, 3, 4)] + [Period.for_round(2565, m) for m in (6, 12)]
    cards = {}
    for period in periods:
        sc = build_scorecard(plan=plan, period=period)
        sc.generated_at = FIXED  # the one field that is "now"
        cards[period.code] = {"scorecard": dataclasses.asdict(sc), "excel": workbook_cells(render_xlsx(sc))}
    User = get_user_model()
    return {
        "cards": cards,
        "history": list(HistoryEntry.objects.order_by("pk").values()),
        "completions": list(StepCompletion.objects.order_by("pk").values()),
        "assessments": list(RoundAssessment.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "kpi_values": list(PolicyKPIMeasurement.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        # The link table's own id means nothing (loaddata numbers the links afresh).
        "user_groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "appointments": list(Appointment.objects.order_by("pk").values()),
        "files": {e.file.name: (root / e.file.name).read_bytes() for e in Evidence.objects.all()},
        "counts": backup.row_counts(),
    }


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def empty_everything(root) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(root, ignore_errors=True)
    assert not any(backup.row_counts().values())
    assert files_under(root) == []


def test_backup_then_restore_into_an_empty_database_gives_the_same_scorecards(
        plan, users, rounds, evidence_root, tmp_path, capsys):
    record_a_year(plan, users, rounds)
    before = snapshot(plan.pk, evidence_root)
    assert len(before["files"]) == 4 and HistoryEntry.objects.count() >= 14
    assert before["cards"]["Q2"]["scorecard"]["rows"][0]["verified_level"] == 2
    assert any(row["review_comment"] == "ขอเอกสารหลักฐานเพิ่ม" for row in before["cards"]["R6"]["scorecard"]["rows"])

    archive = tmp_path / "backups" / "kpi.tar.gz"
    call_command("backup", output=archive)
    assert "สำรองข้อมูลแล้ว" in capsys.readouterr().out
    assert archive.stat().st_mode & 0o077 == 0  # password hashes inside: owner-only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert names[:3] == ["manifest.json", "manifest.sig", "data.json"]
    assert {f["name"] for f in manifest["files"]} == set(before["files"])
    assert all(f["sha256"] == Evidence.objects.get(file=f["name"]).sha256 for f in manifest["files"])
    assert manifest["counts"] == before["counts"]

    empty_everything(evidence_root)
    call_command("restore", str(archive), "--verify")
    assert "sha256 ตรงทุกไฟล์" in capsys.readouterr().out
    assert not any(backup.row_counts().values())  # --verify changes nothing

    call_command("restore", str(archive))
    assert "กู้คืนแล้ว" in capsys.readouterr().out
    after = snapshot(plan.pk, evidence_root)
    for key in before:
        assert after[key] == before[key], key
    assert [p.name for p in files_under(evidence_root)] == sorted(
        p.rsplit("/", 1)[1] for p in before["files"])  # no staging left behind

    # The restored database takes new work: primary-key sequences were reset (PostgreSQL).
    one = ActionPlan.objects.get(pk=plan.pk).indicators.get(number=1)
    done = services.step_complete(step=steps_of(one)[3], done_on=dt.date(2022, 4, 1),
                                  by=get_user_model().objects.get(username="owner"),
                                  files=[upload("ใหม่.pdf", PDF + b"% new\n")])
    assert done.pk > max(c["id"] for c in before["completions"])
    assert HistoryEntry.objects.count() == len(before["history"]) + 2
    get_user_model().objects.create_user("newcomer", password="pw-not-used-123")
    assert get_user_model().objects.get(username="owner").check_password("pw-not-used-123")


def test_restore_refuses_a_database_that_is_not_empty(plan, users, rounds, evidence_root, tmp_path):
    record_a_year(plan, users, rounds)
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    counts, files = backup.row_counts(), files_under(evidence_root)
    with pytest.raises(CommandError, match="ฐานข้อมูลปลายทางไม่ว่าง"):
        call_command("restore", str(archive))
    assert backup.row_counts() == counts and files_under(evidence_root) == files


def test_restore_refuses_an_altered_file_and_changes_nothing(plan, users, rounds, evidence_root, tmp_path):
    record_a_year(plan, users, rounds)
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    # Flip one byte of one evidence file inside the archive, keeping the manifest.
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name.startswith("files/") and data.startswith(b"\x89PNG"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(member, io.BytesIO(data))
    empty_everything(evidence_root)
    with pytest.raises(CommandError, match="sha256"):
        call_command("restore", str(altered), "--verify")
    with pytest.raises(CommandError, match="ไม่ตรงกับ sha256"):
        call_command("restore", str(altered))
    assert not any(backup.row_counts().values())
    assert files_under(evidence_root) == []


def test_a_failure_half_way_leaves_nothing_behind(plan, users, rounds, evidence_root, tmp_path, monkeypatch):
    record_a_year(plan, users, rounds)
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    empty_everything(evidence_root)
    # Files are written through the storage API (issue 19): the third write finds the disk full.
    storage = backup._storage()
    real_save, calls = storage.save, []

    def disk_full_on_the_third_file(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(storage, "save", disk_full_on_the_third_file)
    with pytest.raises(OSError, match="No space left"):
        call_command("restore", str(archive))
    assert len(calls) == 3
    assert not any(backup.row_counts().values())  # the rows were rolled back
    assert files_under(evidence_root) == []  # and the two files already moved were removed


def test_backup_refuses_when_an_evidence_file_is_missing(plan, users, rounds, evidence_root, tmp_path):
    record_a_year(plan, users, rounds)
    gone = Evidence.objects.get(original_name="ภาพกิจกรรม.png")
    (evidence_root / gone.file.name).unlink()
    with pytest.raises(CommandError, match="หายหรือถูกแก้ไข"):
        call_command("backup", output=tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()
    call_command("backup", output=tmp_path / "b.tar.gz", skip_damaged=True)
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert len(manifest["files"]) == 3 and gone.file.name in manifest["skipped"][0]


def test_archive_member_names_cannot_escape_the_evidence_folder(evidence_root, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in [("manifest.json", b"{}"), ("files/../../outside.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="ไม่ปลอดภัย"):
        call_command("restore", str(evil))
    assert not (tmp_path / "outside.txt").exists() and not (evidence_root.parent / "outside.txt").exists()


def test_a_backup_from_newer_code_is_refused(plan, users, evidence_root, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(newer, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].append(["assessments", "9999_from_the_future"])
                data = json.dumps(manifest).encode()
                member.size = len(data)
                signature = json.dumps(backup.sign(data)).encode()  # signed with this site's key, as it would be
            if member.name == "manifest.sig":
                data = signature
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    empty_everything(evidence_root)
    with pytest.raises(CommandError, match="รุ่นที่ใหม่กว่า"):
        call_command("restore", str(newer))
    assert not any(backup.row_counts().values())


def test_timestamps_survive_exactly(plan, users, rounds, evidence_root, tmp_path):
    """History times drive the as-of rule of the scorecards: microseconds and time zone must survive."""
    record_a_year(plan, users, rounds)
    HistoryEntry.objects.filter(pk=HistoryEntry.objects.order_by("pk").first().pk).update(
        at=dt.datetime(2021, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.get_current_timezone()))
    before = list(HistoryEntry.objects.order_by("pk").values_list("at", flat=True))
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    empty_everything(evidence_root)
    call_command("restore", str(archive))
    assert list(HistoryEntry.objects.order_by("pk").values_list("at", flat=True)) == before
    assert MilestoneStep.objects.exists()
