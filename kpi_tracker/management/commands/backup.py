"""python manage.py backup [--output FILE]: the whole database and its evidence files in one .tar.gz.

See kpi_tracker/backup.py for what the archive holds, and README.md (Backups)
for the procedure.
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kpi_tracker.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "สำรองฐานข้อมูลทั้งหมดพร้อมไฟล์เอกสารหลักฐานเป็นไฟล์ .tar.gz ไฟล์เดียว"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", type=Path,
            help="ไฟล์ที่จะเขียน (ค่าเริ่มต้น var/backups/kpi-backup-<วันเวลา UTC>.tar.gz)",
        )
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--skip-damaged", action="store_true",
            help="สำรองต่อไปแม้ไฟล์เอกสารหลักฐานบางไฟล์หายหรือถูกแก้ไข (รายชื่ออยู่ใน manifest.json)",
        )

    def handle(self, *args, output, database, skip_damaged, **options):
        if output is None:
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
            output = Path(settings.VAR_DIR) / "backups" / f"kpi-backup-{stamp}.tar.gz"
        try:
            result = create_backup(output, using=database, skip_damaged=skip_damaged)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.counts.values())
        self.stdout.write(
            f"สำรองข้อมูลแล้ว: {result.path} ({rows:,} แถว, ไฟล์เอกสารหลักฐาน {result.files:,} ไฟล์ "
            f"{result.bytes / 1048576:.1f} MB)"
        )
        for problem in result.skipped:
            self.stderr.write(f"ข้าม: {problem}")
