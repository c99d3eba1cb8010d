"""`aftersales backup` / `aftersales restore` (issue 6 §7): a round trip of the demo company
and an uploaded file into a fresh database keeps every table's rows and checksum and every
file's bytes; SQLite and PostgreSQL archives are interchangeable; damaged or hostile archives
and databases in use are refused, and a restore that does not verify keeps nothing."""

import hashlib
import io
import json
import os
import re
import secrets
import stat
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, connections

from aftersales.core import backup

# Where the PostgreSQL server for the cross-vendor test is when the tests run on SQLite.
PG_ADMIN_URL = os.environ.get(
    "AFTERSALES_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
_CACHE: dict = {}


# --- helpers -----------------------------------------------------------------------------


def _pg_admin_conninfo() -> str | None:
    """A libpq URL of the server's maintenance database, or None when no server answers."""
    import psycopg

    if connection.vendor == "postgresql":
        s = connection.settings_dict
        user = quote(s["USER"], safe="") + (
            f":{quote(s['PASSWORD'], safe='')}" * bool(s["PASSWORD"])
        )
        url = f"postgresql://{user}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/postgres"
    else:
        url = PG_ADMIN_URL
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return None
    return url


@contextmanager
def _scratch_pg(admin_url: str):
    """An empty PostgreSQL database as_restore_<random>, dropped afterwards."""
    import psycopg

    name = f"as_restore_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(*args, data_dir: Path, database_url: str | None = None):
    env = {**os.environ, "AFTERSALES_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "aftersales.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _settings_for(data_dir: Path, database_url: str | None) -> dict:
    import dj_database_url

    url = database_url or f"sqlite:///{data_dir / 'aftersales.sqlite3'}"
    return connections.configure_settings({"default": dj_database_url.parse(url)})["default"]


def _counts(alias: str) -> dict[str, int]:
    """count(*) of every table, by plain SQL: a check that owes nothing to the backup code."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        out = {}
        for table in conn.introspection.table_names(cursor):
            if table in ("django_migrations", *backup.SKIPPED_TABLES):
                continue
            if table.startswith(backup.DERIVED_TABLE_PREFIXES):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            out[table] = cursor.fetchone()[0]
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(row: dict) -> bytes:
    return (
        json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    )


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile(backup.MANIFEST))


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy an archive, passing each member's (name, bytes) through change()."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        members = [(m.name, src.extractfile(m).read()) for m in src.getmembers()]
        for name, data in change(members):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _assert_restored(demo: dict, alias: str, media_dir: Path):
    """The restored installation has the archive's rows (count and checksum of every table,
    each value read back through the models) and its uploaded files, byte for byte."""
    manifest = _manifest(demo["archive"])
    digests = backup.table_digests(alias)
    assert len(digests) == len(manifest["tables"]) > 60
    for entry in manifest["tables"]:
        assert digests[entry["table"]] == (entry["rows"], entry["sha256"]), entry["table"]
    counts = _counts(alias)
    assert counts == {t["table"]: t["rows"] for t in manifest["tables"]}
    assert _files(media_dir) == demo["media"]
    _assert_same_rows(demo["rows"], alias)
    # The id sequences moved past the restored rows: a new row gets a new id.
    Group.objects.using(alias).create(name="made after the restore")


# --- the demo company, backed up once for the module ---------------------------------------


@pytest.fixture
def demo_archive(transactional_db, django_db_serialized_rollback, tmp_path_factory, settings):
    """The demo company plus an uploaded photo, backed up in-process. Built once: the tests
    after the first restore the file elsewhere and need no demo in their own database (they
    are transactional all the same, so that the first one's demo is cleared after it)."""
    if "archive" not in _CACHE:
        from PIL import Image

        from aftersales.accounts.models import User
        from aftersales.core.demo import load
        from aftersales.service.models import ServiceOrder
        from aftersales.service.services import add_attachment

        load()
        buf = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
        add_attachment(
            actor=User.objects.get(username="admin"),
            order=ServiceOrder.objects.order_by("pk").first(),
            content=buf.getvalue(),
            name="故障照片.png",
            caption="漏水 <b>&</b> 'quotes'",
        )
        archive = tmp_path_factory.mktemp("backup") / "demo.tar.gz"
        call_command("backup", output=str(archive), verbosity=0)
        _CACHE.update(
            archive=archive,
            media=_files(Path(settings.MEDIA_ROOT)),
            counts=_counts("default"),
            rows={
                m._meta.label: _rows_by_pk(m, "default")
                for m in apps.get_models(include_auto_created=True)
                if m._meta.managed and m._meta.db_table not in backup.SKIPPED_TABLES
            },
        )
    return _CACHE


def _rows_by_pk(model, alias: str) -> dict:
    names = [model._meta.pk.attname, *(f.attname for f in model._meta.concrete_fields)]
    return {row[0]: row for row in model._base_manager.using(alias).values_list(*names)}


def _assert_same_rows(rows: dict, alias: str) -> None:
    """Every value of every row read back through the models equals the original's."""
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in rows:
            assert _rows_by_pk(model, alias) == rows[label], label


def test_round_trip_into_a_fresh_database(demo_archive, tmp_path):
    """`aftersales backup` writes an owner-only archive whose manifest names the vendor, the
    migrations, each table (M2M through tables, content types and permissions included,
    sessions not) with rows and checksum, and each uploaded file with size and checksum.
    `aftersales restore` of it into a new, empty database of the vendor under test: every
    table has the same rows (count, checksum and each value read back through the models)
    and every uploaded file the same bytes."""
    archive = demo_archive["archive"]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    manifest = _manifest(archive)
    assert manifest["database"]["vendor"] == connection.vendor
    assert ["service", "0001_initial"] in manifest["migrations"]
    tables = {t["table"]: t for t in manifest["tables"]}
    for table in ("accounts_user_groups", "auth_group_permissions", "django_content_type"):
        assert tables[table]["rows"] > 0
    assert "django_session" not in tables
    assert {t: tables[t]["rows"] for t in tables} == demo_archive["counts"]
    files = {f["path"]: f for f in manifest["files"]}
    photo = next(p for p in files if p.startswith("media/attachments/"))
    data = demo_archive["media"][photo.removeprefix("media/")]
    assert files[photo] == {"path": photo, "size": len(data), "sha256": _sha(data)}

    target = tmp_path / "target"
    with _target_database(same_vendor=True) as database_url:
        done = _run(
            "restore", str(demo_archive["archive"]), data_dir=target, database_url=database_url
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "every table matches the backup" in done.stdout
        target_db = _settings_for(target, database_url)
        with backup.temporary_connection(target_db) as alias:
            _assert_restored(demo_archive, alias, target / "media")
            from aftersales.service import search
            from aftersales.service.models import OrderAttachment, ServiceOrder

            # The orders' search index is rebuilt with them (service/search.py).
            order = ServiceOrder.objects.using(alias).filter(unit__isnull=False).first()
            found = search.matching(ServiceOrder.objects.using(alias), order.unit.serial_number)
            assert order.pk in set(found.values_list("pk", flat=True))
            photo = OrderAttachment.objects.using(alias).get(original_name="故障照片.png")
            assert photo.caption == "漏水 <b>&</b> 'quotes'"
            assert (target / "media" / photo.file.name).read_bytes() == demo_archive["media"][
                photo.file.name
            ]


def test_cross_vendor_restore(demo_archive, tmp_path):
    """The move from the trial install to production and back: an archive of the vendor
    under test restores into the other one (SQLite → PostgreSQL on the SQLite run, the
    reverse on the PostgreSQL run) with the same checksums — decimals, aware datetimes, JSON,
    booleans and UUIDs written the same way by both."""
    target = tmp_path / "target"
    with _target_database(same_vendor=False) as database_url:
        done = _run(
            "restore", str(demo_archive["archive"]), data_dir=target, database_url=database_url
        )
        assert done.returncode == 0, done.stdout + done.stderr
        target_db = _settings_for(target, database_url)
        with backup.temporary_connection(target_db) as alias:
            assert connections[alias].vendor != connection.vendor
            _assert_restored(demo_archive, alias, target / "media")


@contextmanager
def _target_database(*, same_vendor: bool):
    """None (a new SQLite file in the data directory) or the URL of a scratch PostgreSQL
    database, dropped afterwards."""
    want_pg = (connection.vendor == "postgresql") == same_vendor
    if not want_pg:
        yield None
        return
    admin = _pg_admin_conninfo()
    if admin is None:
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} (AFTERSALES_TEST_PG_URL)")
    with _scratch_pg(admin) as url:
        yield url


def test_tampered_archive_is_refused(db, tmp_path):
    """One changed byte in a table file: the archive no longer matches its manifest, and
    restore refuses it before touching the database (`--check` says the same)."""

    def flip(members):
        done = False
        for name, data in members:
            if not done and name.startswith("db/") and data:
                data = bytes([data[0] ^ 0x01]) + data[1:]
                done = True
            yield name, data

    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    call_command("backup", output=str(good), verbosity=0)
    _rewrite(good, bad, flip)
    call_command("restore", str(good), check=True, verbosity=0)
    before = _counts("default")
    for options in ({}, {"check": True}, {"force": True}):
        with pytest.raises(CommandError, match="does not match its manifest.*checksum"):
            call_command("restore", str(bad), verbosity=0, **options)
    assert _counts("default") == before


def test_backup_of_a_newer_version_is_refused(db, tmp_path):
    """A backup with a migration this version lacks was made by a newer version: restore
    names the migration and the version to install, and changes nothing."""
    good, newer = tmp_path / "good.tar.gz", tmp_path / "newer.tar.gz"
    call_command("backup", output=str(good), verbosity=0)

    def add_migration(members):
        for name, data in members:
            if name == backup.MANIFEST:
                manifest = json.loads(data)
                manifest["migrations"].append(["service", "9999_from_the_future"])
                manifest["app_version"] = "9.9"
                data = json.dumps(manifest).encode()
            yield name, data

    _rewrite(good, newer, add_migration)
    before = _counts("default")
    for options in ({"check": True}, {"force": True}):
        with pytest.raises(CommandError, match=r"newer version \(9.9\).*service.9999_from_the"):
            call_command("restore", str(newer), verbosity=0, **options)
    assert _counts("default") == before


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "/etc/evil", "media/../../evil", "media/a/../../../evil", "db\\x.jsonl", "x"],
)
def test_unsafe_member_names_are_refused(tmp_path, name):
    """Path traversal, absolute names and names outside db/ and media/ are refused, however
    the manifest describes them."""
    archive = tmp_path / "evil.tar.gz"
    data = b"owned"
    manifest = {
        "format": backup.FORMAT,
        "format_version": backup.FORMAT_VERSION,
        "tables": [],
        "files": [{"path": name, "size": 5, "sha256": _sha(data)}],
    }
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in ((name, data), (backup.MANIFEST, json.dumps(manifest).encode())):
            info = tarfile.TarInfo(member)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    with pytest.raises(backup.BackupError, match="unsafe member name"):
        backup.verify_archive(archive)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_links_in_an_archive_are_refused(tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("media/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(backup.BackupError, match="not a regular file"):
        backup.verify_archive(archive)


def test_a_migrated_database_counts_as_empty(db):
    """Only rows `migrate` writes itself: restore takes such a database without --force. (A
    new data migration that seeds a table fails here until the table joins SEEDED_TABLES.)"""
    assert backup.business_rows() == []


def test_default_name_and_retention(db, tmp_path, settings):
    """Without --output the archive goes to DATA_DIR/backups/aftersales-<UTC>.tar.gz; --keep
    deletes the oldest archives of that name and nothing else."""
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"aftersales-2025010{i}T000000Z.tar.gz" for i in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"old")
    (folder / "keep-me.tar.gz").write_bytes(b"mine")
    call_command("backup", keep=2, verbosity=0)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and names[0] == old[2].name and names[-1] == "keep-me.tar.gz"
    assert re.fullmatch(r"aftersales-\d{8}T\d{6}Z\.tar\.gz", names[1])
    assert stat.S_IMODE((folder / names[1]).stat().st_mode) == 0o600
    backup.verify_archive(folder / names[1])
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=str(folder / names[1]), verbosity=0)


def test_restore_over_a_database_in_use(demo_archive, tmp_path, settings):
    """A database with business rows is refused without --force. A restore that does not
    verify keeps nothing: here a row the database stores differently than the archive says
    (a decimal with three places in a two-place column, its table's checksum fixed up to
    match) loads, but the check of every table after loading fails, the command exits
    non-zero and the database is as it was. With --force the good archive then replaces
    everything (no migration runs: the database is at the backup's migrations already)."""
    from aftersales.accounts.models import User

    User.objects.create_user("someone_else", password="x" * 12)
    media = settings.MEDIA_ROOT = tmp_path / "restored"
    good = str(demo_archive["archive"])
    before = _counts("default")
    with pytest.raises(CommandError, match="not empty.*accounts_user.*--force"):
        call_command("restore", good, verbosity=0)
    assert _counts("default") == before

    decimal_tables = {
        m._meta.db_table: [
            f.attname for f in m._meta.concrete_fields if f.get_internal_type() == "DecimalField"
        ]
        for m in apps.get_models()
    }
    changed = {}

    def widen(members):
        """Give the first non-empty decimal of the archive a third place; fix its checksum."""
        for name, data in members:
            table = name.removeprefix("db/").removesuffix(".jsonl")
            if name.startswith("db/") and decimal_tables.get(table) and not changed:
                lines = data.splitlines(keepends=True)
                for i, line in enumerate(lines):
                    row = json.loads(line)
                    column = next((c for c in decimal_tables[table] if row[c] is not None), None)
                    if column:
                        row[column] += "0"
                        lines[i] = _canonical(row)
                        data = changed[name] = b"".join(lines)
                        break
            elif name == backup.MANIFEST:
                manifest = json.loads(data)
                for entry in manifest["tables"]:
                    if entry["file"] in changed:
                        new = changed[entry["file"]]
                        entry.update(size=len(new), sha256=_sha(new))
                data = json.dumps(manifest).encode()
            yield name, data

    bad = tmp_path / "wide.tar.gz"
    _rewrite(demo_archive["archive"], bad, widen)
    assert changed
    with pytest.raises(CommandError, match="differ from the backup.*checksum differs"):
        call_command("restore", str(bad), force=True, verbosity=0)
    assert _counts("default") == before
    assert not media.exists()
    assert not list(tmp_path.glob(".restored.restore-*"))  # the files staged are gone

    call_command("restore", good, force=True, verbosity=0)
    _assert_restored(demo_archive, "default", media)
    assert not User.objects.filter(username="someone_else").exists()
