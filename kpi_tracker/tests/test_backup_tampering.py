"""Backups an attacker or a bad disk has touched (issue 13): the whole gzip stream is
checked, the manifest is signed, a malformed manifest gets a Thai message, and the
archive is readable by the server's account only."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import subprocess
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from assessments import services
from indicators.models import MilestoneStep
from kpi_tracker import backup
from kpi_tracker.tests.test_backup import empty_everything

pytestmark = pytest.mark.django_db(transaction=True)  # restore flushes, which PostgreSQL refuses inside a transaction

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def archive(tmp_path, settings, users, fy_today):
    settings.MEDIA_ROOT = tmp_path / "evidence"
    step = MilestoneStep.objects.filter(criteria_set__indicator__number=1).order_by("number").first()
    services.step_complete(step=step, done_on=dt.date(2022, 1, 10), by=users["owner"],
                           files=[SimpleUploadedFile("หลักฐาน.pdf", PDF)])
    path = tmp_path / "backups" / "b.tar.gz"
    call_command("backup", output=path)
    return path


def members(path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar]


def rewrite(path, out, change) -> None:
    """A new archive with change(name, bytes) -> bytes (or None to leave the member out)."""
    with tarfile.open(out, "w:gz") as dst:
        for member, data in members(path):
            data = change(member.name, data)
            if data is None:
                continue
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def verify(path) -> str | None:
    """None when restore --verify accepts the archive, else its message."""
    try:
        call_command("restore", str(path), "--verify", stdout=io.StringIO())
    except CommandError as exc:
        return str(exc)
    return None


def test_the_archive_and_its_folder_are_the_server_accounts_only(archive):
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.parent.stat().st_mode & 0o777 == 0o700


def test_editing_data_and_its_checksum_together_is_refused(archive, tmp_path, settings):
    """What passed --verify before: the checksums alone can be rewritten along with the data."""
    manifest = json.loads(dict((m.name, d) for m, d in members(archive))["manifest.json"])
    forged_data = {}

    def forge(name, data):
        if name == "data.json":
            forged_data["bytes"] = data.replace("สุวิมล".encode(), "ผู้ปลอม".encode())
            assert forged_data["bytes"] != data
            return forged_data["bytes"]
        if name == "manifest.json":
            return data  # replaced below, once the forged data is known
        return data

    stage = tmp_path / "stage.tar.gz"
    rewrite(archive, stage, forge)
    manifest["data"] = {"name": "data.json", "size": len(forged_data["bytes"]),
                        "sha256": hashlib.sha256(forged_data["bytes"]).hexdigest()}
    forged = tmp_path / "forged.tar.gz"
    rewrite(stage, forged, lambda name, data: json.dumps(manifest).encode() if name == "manifest.json" else data)
    message = verify(forged)
    assert message and "ลายมือชื่อ" in message
    empty_everything(settings.MEDIA_ROOT)
    with pytest.raises(CommandError, match="ลายมือชื่อ"):
        call_command("restore", str(forged))
    assert not any(backup.row_counts().values())


def test_an_archive_without_a_signature_or_signed_with_another_key_is_refused(archive, tmp_path, settings):
    unsigned = tmp_path / "unsigned.tar.gz"
    rewrite(archive, unsigned, lambda name, data: None if name == "manifest.sig" else data)
    assert "ไม่มีลายมือชื่อ" in verify(unsigned)
    assert verify(archive) is None
    settings.BACKUP_SIGNING_KEY = "another-site-" + "k3y" * 12
    assert "BACKUP_SIGNING_KEY" in verify(archive)


def test_every_corrupted_byte_that_gzip_t_notices_is_refused(archive, tmp_path):
    """Single-byte flips over the whole archive, the gzip trailer (CRC-32, length) included."""
    raw = archive.read_bytes()
    original = gzip.decompress(raw)
    positions = sorted(set(range(0, len(raw), max(1, len(raw) // 250))) | set(range(len(raw) - 16, len(raw))))
    flipped = tmp_path / "flipped.tar.gz"
    accepted_but_broken = []
    for pos in positions:
        damaged = bytearray(raw)
        damaged[pos] ^= 0x5A
        flipped.write_bytes(bytes(damaged))
        gzip_t = subprocess.run(["gzip", "-t", str(flipped)], capture_output=True).returncode == 0
        ours = verify(flipped) is None
        if ours and not gzip_t:
            accepted_but_broken.append(pos)
        if ours:  # whatever we accept holds exactly what was written (the flip hit the header's time stamp)
            assert gzip.decompress(bytes(damaged)) == original
    assert not accepted_but_broken, f"accepted {len(accepted_but_broken)} damaged archives at {accepted_but_broken[:10]}"


def manifest_without(key):
    def change(manifest):
        manifest.pop(key)
        return manifest
    return change


MALFORMED = {
    "no data key": manifest_without("data"),
    "no files key": manifest_without("files"),
    "no counts key": manifest_without("counts"),
    "data is a string": lambda m: {**m, "data": "data.json"},
    "files of the wrong kind": lambda m: {**m, "files": [{"name": 3}]},
    "a list, not an object": lambda m: [m],
    "migrations of the wrong kind": lambda m: {**m, "migrations": "all"},
}


@pytest.mark.parametrize("what", list(MALFORMED))
def test_a_malformed_manifest_gets_a_thai_message_not_a_traceback(archive, tmp_path, settings, what):
    """Signed with the site's key (the signature is not what is wrong here)."""
    bad = tmp_path / "bad.tar.gz"
    manifest = MALFORMED[what](json.loads(dict((m.name, d) for m, d in members(archive))["manifest.json"]))
    blob = json.dumps(manifest, ensure_ascii=False).encode()

    def change(name, data):
        if name == "manifest.json":
            return blob
        if name == "manifest.sig":
            return json.dumps(backup.sign(blob)).encode()
        return data

    rewrite(archive, bad, change)
    message = verify(bad)
    assert message and "manifest.json" in message and "ไม่" in message
    empty_everything(settings.MEDIA_ROOT)
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(bad))


def test_a_manifest_that_is_not_json_gets_a_thai_message(archive, tmp_path):
    bad = tmp_path / "bad.tar.gz"
    blob = b"{not json"
    rewrite(archive, bad, lambda name, data: blob if name == "manifest.json" else (
        json.dumps(backup.sign(blob)).encode() if name == "manifest.sig" else data))
    assert "manifest.json" in verify(bad)


def test_a_good_archive_still_restores_with_its_files_private(archive, tmp_path, settings):
    empty_everything(settings.MEDIA_ROOT)
    call_command("restore", str(archive), stdout=io.StringIO())
    restored = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert restored and all(p.stat().st_mode & 0o777 == 0o600 for p in restored)
    assert all(p.parent.stat().st_mode & 0o777 == 0o700 for p in restored)
