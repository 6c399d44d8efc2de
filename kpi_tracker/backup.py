"""Backup and restore of the whole database with its evidence files, in one archive.

`manage.py backup` and `manage.py restore` call the two functions here. The
archive is a .tar.gz holding:

    manifest.json      format, when, Django and migration state, row counts per
                       model, and size + sha256 of data.json and of every file
    manifest.sig       HMAC-SHA256 of manifest.json's exact bytes, with the key
                       BACKUP_SIGNING_KEY (or, unset, one derived from
                       SECRET_KEY): checksums alone can be rewritten with the data
    data.json          every row of every app (dumpdata's JSON, natural foreign
                       keys, primary keys kept, date-times to the microsecond
                       where dumpdata keeps milliseconds), except content types,
                       permissions and sessions, which `migrate` recreates or
                       which are transient
    files/<name>       each evidence file, under the name the database stores
                       (Evidence.file, relative to MEDIA_ROOT / EVIDENCE_ROOT)

The dump is read in one transaction (REPEATABLE READ on PostgreSQL), so rows
and files agree even while people keep working: an evidence file is written to
disk before its row is committed and is never changed or deleted afterwards.

Restore goes into an empty, migrated database and refuses anything else. It
reads the archive once, to the end of the gzip stream (whose CRC and length
are checked), refuses an archive whose signature does not match, checks every size and checksum against the manifest
before it touches the database, then loads the rows and moves the files into
place in one transaction: either everything is restored or nothing is (the
files moved so far are removed again when anything fails).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils.crypto import constant_time_compare, salted_hmac

FORMAT = "kpi-tracker-backup"
VERSION = 1
MANIFEST, SIGNATURE, DATA, FILES = "manifest.json", "manifest.sig", "data.json", "files/"
# Recreated by `migrate` (content types, permissions) or not worth keeping (sessions).
EXCLUDED = ("contenttypes", "auth.Permission", "sessions")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or restore cannot go ahead (message for the administrator)."""


@dataclass
class Result:
    path: Path
    counts: dict[str, int]
    files: int
    bytes: int
    skipped: list[str] = field(default_factory=list)


def _signing_key() -> tuple[str, str]:
    """The key that signs manifests, and the name of the setting it comes from."""
    if settings.BACKUP_SIGNING_KEY:
        return settings.BACKUP_SIGNING_KEY, "BACKUP_SIGNING_KEY"
    return settings.SECRET_KEY, "SECRET_KEY"


def sign(manifest_bytes: bytes) -> dict:
    key, source = _signing_key()
    digest = salted_hmac("kpi_tracker.backup.manifest", manifest_bytes, secret=key, algorithm="sha256").hexdigest()
    return {"algorithm": "HMAC-SHA256", "key": source, "signature": digest}


def _check_signature(manifest_bytes: bytes, signature_bytes: bytes | None) -> None:
    key_name = _signing_key()[1]
    if signature_bytes is None:
        raise BackupError(
            "ไฟล์สำรองข้อมูลไม่มีลายมือชื่อ (manifest.sig) จึงยืนยันไม่ได้ว่าไม่ถูกแก้ไข ไม่มีการเปลี่ยนแปลงใดๆ")
    try:
        claimed = json.loads(signature_bytes.decode("utf-8"))["signature"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        claimed = ""
    if not isinstance(claimed, str) or not constant_time_compare(claimed, sign(manifest_bytes)["signature"]):
        raise BackupError(
            "ลายมือชื่อของไฟล์สำรองข้อมูลไม่ถูกต้อง: ไฟล์ถูกแก้ไขหลังสำรอง หรือสำรองด้วยกุญแจอื่น "
            f"({key_name} ของเครื่องนี้ต้องเป็นค่าเดียวกับตอนสำรอง) ไม่มีการเปลี่ยนแปลงใดๆ")


def _check_shape(manifest) -> None:
    """A manifest with the keys and types restore relies on; anything else gets a Thai message, not a traceback."""
    def file_entry_ok(f) -> bool:
        return (isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("sha256"), str)
                and isinstance(f.get("size"), int))

    problems = []
    if not isinstance(manifest, dict):
        raise BackupError("manifest.json ในไฟล์สำรองข้อมูลไม่ถูกต้อง: ไม่ใช่ข้อมูลแบบ object")
    if not file_entry_ok({**manifest["data"], "name": DATA} if isinstance(manifest.get("data"), dict) else None):
        problems.append("ไม่มีหรือไม่ถูกต้อง: data (ขนาดและ sha256 ของ data.json)")
    if not isinstance(manifest.get("files"), list) or not all(file_entry_ok(f) for f in manifest["files"]):
        problems.append("ไม่มีหรือไม่ถูกต้อง: files (รายการไฟล์เอกสารหลักฐาน)")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
        problems.append("ไม่มีหรือไม่ถูกต้อง: counts (จำนวนแถวของแต่ละตาราง)")
    migrations = manifest.get("migrations", [])
    if not isinstance(migrations, list) or not all(
            isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m) for m in migrations):
        problems.append("ไม่ถูกต้อง: migrations")
    if not isinstance(manifest.get("skipped", []), list) or not isinstance(manifest.get("created_at", ""), str):
        problems.append("ไม่ถูกต้อง: skipped หรือ created_at")
    if problems:
        raise BackupError("manifest.json ในไฟล์สำรองข้อมูลไม่ครบหรือผิดรูปแบบ ไม่มีการเปลี่ยนแปลงใดๆ:\n" + "\n".join(problems))


def _is_excluded(model) -> bool:
    return model._meta.app_label in EXCLUDED or model._meta.label in EXCLUDED


def data_models() -> list:
    """The models whose rows a backup holds (concrete, managed, not excluded)."""
    return [
        m for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and not _is_excluded(m)
    ]


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {m._meta.label: m._base_manager.using(using).count() for m in data_models()}


def _applied_migrations(using: str) -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connections[using]).applied_migrations())


class _ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder without its cut of date-times to milliseconds (dumpdata's): restores are exact."""

    def default(self, o):
        if isinstance(o, (dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


def _dump(path: Path, using: str) -> None:
    """What `dumpdata --natural-foreign --all` writes (loaddata reads it), with exact date-times.

    Rows keep their primary keys; references to users, groups and permissions
    are natural keys; models come in dependency order, rows in primary-key order.
    """
    by_app: dict = {}
    for model in data_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    first = True
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
            rows = model._base_manager.using(using).order_by(model._meta.pk.name)
            for obj in serializers.serialize("python", rows.iterator(chunk_size=2000), use_natural_foreign_keys=True):
                out.write(("\n" if first else ",\n") + json.dumps(obj, cls=_ExactJSONEncoder, ensure_ascii=False))
                first = False
        out.write("\n]\n")


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _storage():
    """The evidence files' storage (STORAGES): every read and write goes through it, never a path under
    MEDIA_ROOT, so the files may live in S3-compatible object storage (issue 19, many servers)."""
    from assessments.models import Evidence

    return Evidence._meta.get_field("file").storage


def _sha256_stored(storage, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_name(name: str) -> PurePosixPath:
    """A stored file name, refused if it could escape the evidence folder."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or name != str(path):
        raise BackupError(f"ชื่อไฟล์ในข้อมูลไม่ปลอดภัย: {name!r}")
    return path


def _evidence_names(using: str) -> list[str]:
    from assessments.models import Evidence

    names = Evidence.objects.using(using).exclude(file="").order_by("pk").values_list("file", flat=True)
    return list(dict.fromkeys(names))


def create_backup(output: Path, *, using: str = DEFAULT_DB_ALIAS, skip_damaged: bool = False) -> Result:
    """Write the archive; refuses missing or altered evidence files unless skip_damaged."""
    output = Path(output)
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a folder we create: the server's account only
    storage = _storage()
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="kpi-backup-") as tmp:
        data_path = Path(tmp) / DATA
        snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic(using=using):
            if snapshot:  # one consistent view of every table for the whole dump
                with connection.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _dump(data_path, using)
            counts = row_counts(using)
            migrations = _applied_migrations(using)
            from assessments.models import Evidence

            expected = dict(
                Evidence.objects.using(using).exclude(file="").values_list("file", "sha256")
            )
            names = _evidence_names(using)

        files, problems = _check_evidence(storage, names, expected)
        if problems and not skip_damaged:
            raise BackupError(
                "ไฟล์เอกสารหลักฐานบางไฟล์หายหรือถูกแก้ไข จึงไม่สำรองข้อมูล "
                "(ใช้ --skip-damaged เพื่อสำรองโดยข้ามไฟล์เหล่านี้):\n" + "\n".join(problems)
            )
        skipped = problems
        data_sha, data_size = _sha256_file(data_path)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "django": django.get_version(),
            "database_vendor": connection.vendor,
            "migrations": migrations,
            "counts": counts,
            "data": {"name": DATA, "size": data_size, "sha256": data_sha},
            "files": files,
            "skipped": skipped,
        }
        _write_archive(output, manifest, data_path, storage, files)
    return Result(output, counts, len(files), sum(f["size"] for f in files), skipped)


def _check_evidence(storage, names, expected: dict) -> tuple[list[dict], list[str]]:
    """(the evidence files to archive, the Thai problems of missing or altered ones), read through the storage."""
    files, problems = [], []
    for name in names:
        safe = str(_safe_name(name))
        if not storage.exists(safe):
            problems.append(f"ไม่พบไฟล์ {name}")
            continue
        sha, size = _sha256_stored(storage, safe)
        if expected.get(name) and expected[name] != sha:
            problems.append(f"ไฟล์ {name} ไม่ตรงกับ sha256 ที่บันทึกไว้ในฐานข้อมูล")
            continue
        files.append({"name": name, "size": size, "sha256": sha})
    return files, problems


def _write_archive(output: Path, manifest: dict, data_path: Path, storage, files: list[dict]) -> None:
    """The signed manifest, the data and the files, written beside the target and renamed when complete."""
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # passwords hashes inside
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            signature = json.dumps(sign(blob)).encode()
            for name, content in ((MANIFEST, blob), (SIGNATURE, signature)):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(content), int(dt.datetime.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(content))
            tar.add(data_path, arcname=DATA, recursive=False)
            for f in files:
                info = tarfile.TarInfo(FILES + f["name"])
                info.size, info.mtime, info.mode = f["size"], int(dt.datetime.now().timestamp()), 0o600
                with storage.open(f["name"], "rb") as fh:
                    tar.addfile(info, fh)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# --- restore -------------------------------------------------------------------------------


def _check_target(using: str) -> None:
    connection = connections[using]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError("ฐานข้อมูลปลายทางยังไม่ได้ migrate: รัน python manage.py migrate ก่อน แล้วจึงกู้คืน")
    not_empty = {label: n for label, n in row_counts(using).items() if n}
    if not_empty:
        listed = ", ".join(f"{label} ({n})" for label, n in sorted(not_empty.items()))
        raise BackupError(
            "ฐานข้อมูลปลายทางไม่ว่าง จึงไม่กู้คืนทับ (ต้องเป็นฐานข้อมูลใหม่ที่ migrate แล้วเท่านั้น; "
            f"ไม่มีการเปลี่ยนแปลงใดๆ): มีข้อมูลใน {listed}"
        )


def _check_manifest(manifest: dict, using: str) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError("ไฟล์นี้ไม่ใช่ไฟล์สำรองข้อมูลของระบบติดตามตัวชี้วัด")
    if manifest.get("version") != VERSION:
        raise BackupError(f"ไฟล์สำรองข้อมูลรุ่น {manifest.get('version')} ไม่รองรับ (รองรับรุ่น {VERSION})")
    # The target is fully migrated (checked before), so a migration of an installed app that the
    # backup has and the target has not applied comes from a newer version of the code.
    applied = {tuple(m) for m in _applied_migrations(using)}
    installed = {a.label for a in apps.get_app_configs()}
    newer = sorted(tuple(m) for m in manifest.get("migrations", []) if tuple(m) not in applied and m[0] in installed)
    if newer:
        raise BackupError(
            "ไฟล์สำรองข้อมูลมาจากโปรแกรมรุ่นที่ใหม่กว่า (มี migration ที่ฐานข้อมูลนี้ไม่มี: "
            + ", ".join(f"{a}.{n}" for a, n in newer[:5]) + ") ให้ปรับปรุงโปรแกรมก่อน"
        )


def _read_archive(archive: Path, staging: Path) -> tuple[dict, Path, dict[str, Path]]:
    """One pass over the archive: members to staging, hashed on the way; checked against the manifest.

    The gzip stream is read to its very end, so its CRC-32 and length trailer are
    checked too (tarfile alone stops at the tar's end-of-archive blocks).
    """
    manifest_bytes, signature_bytes, data_path, found, hashes = None, None, None, {}, {}
    try:
        with open(archive, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                raise BackupError("ไฟล์นี้ไม่ใช่ไฟล์สำรองข้อมูล (.tar.gz)")
        stream = gzip.open(archive, "rb")
        tar = tarfile.open(fileobj=stream, mode="r|")
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise BackupError(f"เปิดไฟล์สำรองข้อมูลไม่ได้: {exc}") from exc
    with stream, tar:
        try:
            for member in tar:
                if not member.isfile():
                    raise BackupError(f"ไฟล์สำรองข้อมูลมีรายการที่ไม่ใช่ไฟล์: {member.name!r}")
                if member.name in (MANIFEST, SIGNATURE):
                    if member.size > 64 * 1024 * 1024:
                        raise BackupError(f"{member.name} ในไฟล์สำรองข้อมูลใหญ่ผิดปกติ")
                    content = tar.extractfile(member).read()
                    if member.name == MANIFEST:
                        manifest_bytes = content
                    else:
                        signature_bytes = content
                    continue
                if member.name == DATA:
                    target = staging / DATA
                elif member.name.startswith(FILES):
                    name = str(_safe_name(member.name[len(FILES):]))
                    target = staging / "files" / f"{len(found):08d}"
                else:
                    raise BackupError(f"ไฟล์สำรองข้อมูลมีรายการที่ไม่รู้จัก: {member.name!r}")
                hashed = _extract_hashed(tar.extractfile(member), target)
                if member.name == DATA:
                    data_path = target
                    hashes[DATA] = hashed
                else:
                    if name in found:
                        raise BackupError(f"ไฟล์สำรองข้อมูลมีไฟล์ {name} ซ้ำ")
                    found[name] = target
                    hashes[name] = hashed
            while stream.read(CHUNK):  # the rest of the gzip stream, to its CRC and length trailer
                pass
        except (OSError, EOFError, UnicodeDecodeError, ValueError, tarfile.TarError, zlib.error) as exc:
            raise BackupError(f"ไฟล์สำรองข้อมูลเสียหรือไม่ครบ: {exc}") from exc
    if manifest_bytes is None or data_path is None:
        raise BackupError("ไฟล์สำรองข้อมูลไม่ครบ: ไม่มี manifest.json หรือ data.json")
    _check_signature(manifest_bytes, signature_bytes)
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"manifest.json ในไฟล์สำรองข้อมูลอ่านไม่ได้: {exc}") from exc
    _check_shape(manifest)
    _check_against_manifest(manifest, hashes, found)
    return manifest, data_path, found


def _extract_hashed(src, target: Path) -> tuple[str, int]:
    """Copy one member to the staging folder (server's account only); its (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _check_against_manifest(manifest: dict, hashes: dict, found: dict) -> None:
    """Every member as the manifest lists it, and nothing it does not list."""
    problems = []
    if hashes[DATA] != (manifest["data"]["sha256"], manifest["data"]["size"]):
        problems.append("data.json ไม่ตรงกับ sha256 ใน manifest")
    listed = {f["name"]: f for f in manifest["files"]}
    for name, f in listed.items():
        if name not in found:
            problems.append(f"ไม่มีไฟล์ {name}")
        elif hashes[name] != (f["sha256"], f["size"]):
            problems.append(f"ไฟล์ {name} ไม่ตรงกับ sha256 ใน manifest")
    problems += [f"ไฟล์ {name} ไม่อยู่ใน manifest" for name in found if name not in listed]
    if problems:
        raise BackupError("ไฟล์สำรองข้อมูลเสียหาย ไม่มีการเปลี่ยนแปลงใดๆ:\n" + "\n".join(problems[:20]))


def verify_backup(archive: Path) -> dict:
    """Check an archive (checksums, completeness) without restoring it; returns its manifest."""
    with tempfile.TemporaryDirectory(prefix="kpi-verify-") as tmp:
        manifest, _, _ = _read_archive(Path(archive), Path(tmp))
    return manifest


def restore_backup(archive: Path, *, using: str = DEFAULT_DB_ALIAS) -> Result:
    archive = Path(archive)
    storage = _storage()
    _check_target(using)
    # Staged in a private temporary folder, then written through the storage API (the evidence
    # may be in object storage); files written are deleted again if anything fails.
    staging = Path(tempfile.mkdtemp(prefix="kpi-restore-"))
    moved: list[str] = []
    try:
        manifest, data_path, found = _read_archive(archive, staging)
        _check_manifest(manifest, using)
        for name in found:
            if storage.exists(name):
                sha, size = _sha256_stored(storage, name)
                listed = next(f for f in manifest["files"] if f["name"] == name)
                if (sha, size) != (listed["sha256"], listed["size"]):
                    raise BackupError(f"มีไฟล์ {name} อยู่แล้วในโฟลเดอร์เอกสารหลักฐานและเนื้อไฟล์ต่างกัน จึงไม่กู้คืนทับ")
        with transaction.atomic(using=using):
            _check_target(using)  # again, inside the transaction
            call_command("loaddata", str(data_path), database=using, verbosity=0)
            counts = row_counts(using)
            if counts != manifest["counts"]:
                diff = {k: (manifest["counts"].get(k), counts.get(k)) for k in set(counts) | set(manifest["counts"])
                        if manifest["counts"].get(k) != counts.get(k)}
                raise BackupError(f"จำนวนแถวหลังกู้คืนไม่ตรงกับ manifest (ที่คาด, ที่ได้): {diff}")
            for name, staged in found.items():
                if storage.exists(name):
                    continue  # the same bytes, checked above
                with open(staged, "rb") as fh:
                    saved = storage.save(name, File(fh, name=name))
                moved.append(saved)
                if saved != name:
                    raise BackupError(f"ที่เก็บเอกสารหลักฐานบันทึกไฟล์ {name} เป็นชื่ออื่น ({saved}) จึงไม่กู้คืน")
    except BaseException:
        for name in moved:
            with contextlib.suppress(Exception):
                storage.delete(name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    from django.core.cache import cache

    cache.clear()  # a cache kept from before the database was emptied may hold pages of its plans
    return Result(archive, counts, len(found), sum(f["size"] for f in manifest["files"]), manifest.get("skipped", []))
