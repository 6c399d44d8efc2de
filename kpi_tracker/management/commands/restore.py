"""python manage.py restore FILE: a backup into an empty, migrated database, all or nothing.

`--verify` only checks the archive (its signature, the whole gzip stream, every
checksum) and changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kpi_tracker.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = "กู้คืนฐานข้อมูลและไฟล์เอกสารหลักฐานจากไฟล์สำรองข้อมูล ลงในฐานข้อมูลใหม่ที่ว่างและ migrate แล้ว"

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument("--verify", action="store_true", help="ตรวจไฟล์สำรองข้อมูลเท่านั้น ไม่กู้คืน")

    def handle(self, *args, archive, database, verify, **options):
        if not archive.is_file():
            raise CommandError(f"ไม่พบไฟล์ {archive}")
        try:
            if verify:
                manifest = verify_backup(archive)
                rows = sum(manifest["counts"].values())
                self.stdout.write(
                    f"ไฟล์สำรองข้อมูลสมบูรณ์: สร้างเมื่อ {manifest.get('created_at', '?')}, {rows:,} แถว, "
                    f"ไฟล์เอกสารหลักฐาน {len(manifest['files']):,} ไฟล์ (ลายมือชื่อถูกต้อง, sha256 ตรงทุกไฟล์)"
                )
                return
            result = restore_backup(archive, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.counts.values())
        self.stdout.write(
            f"กู้คืนแล้ว: {rows:,} แถว, ไฟล์เอกสารหลักฐาน {result.files:,} ไฟล์ "
            f"({result.bytes / 1048576:.1f} MB, sha256 ตรงทุกไฟล์)"
        )
        for problem in result.skipped:
            self.stderr.write(f"ไม่มีในไฟล์สำรองข้อมูล (ข้ามไว้ตอนสำรอง): {problem}")
