"""Backup and restore of a whole installation: database rows and uploaded files (issue 6 §7).

One archive (tar.gz) holds

- ``db/<table>.jsonl``: every row of every model table (M2M through tables, content types,
  permissions and groups included; sessions left out), one canonical JSON object a line, in
  primary-key order. The lines ARE the canonical form the checksum is taken of, so a table's
  sha256 in the manifest checks the archive member and the restored rows alike;
- ``media/<path>``: every regular file under MEDIA_ROOT;
- ``manifest.json`` (last): app version, time, database vendor, the applied migrations, and per
  table its columns, row count and sha256, per file its size and sha256.

Values are written by field type, not by what a driver returns, so SQLite and PostgreSQL
archives are interchangeable: decimals as fixed-point strings with the field's places,
datetimes as ISO 8601 in UTC, dates/times ISO, UUIDs as text, binary as base64, durations in
microseconds, JSON fields as JSON.

The rows are read through the models of the migration state the database is at (not the
models of the code), so a database one migration behind the code still backs up exactly, and
a restore rebuilds the database at the backup's migration state; ``aftersales migrate`` then
brings it up to date, as after any upgrade.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.migrations import operations as ops
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F
from django.db.models.functions import Collate
from django.db.utils import load_backend

FORMAT = "aftersales-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
NAME_PATTERN = re.compile(r"^aftersales-\d{8}T\d{6}Z\.tar\.gz$")
CHUNK = 2000
# Sessions are signed with the installation's SECRET_KEY and only keep people logged in: a
# restored installation starts with everyone logged out (and a --force restore clears them).
SKIPPED_TABLES = frozenset({"django_session"})
# Tables no model owns, derived from model tables and rebuilt from them by triggers (SQLite's
# full-text index of the orders' search column, service/search.py): never backed up.
DERIVED_TABLE_PREFIXES = ("service_order_search",)
# Tables that `migrate` fills by itself (post_migrate and data migrations): rows in them do not
# make an installation "in use". tests/core/test_backup.py checks a migrated database has no
# rows elsewhere, so a new seeding migration fails that test until it is listed here.
SEEDED_TABLES = frozenset(
    {
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "django_content_type",
        "complaints_complaintclass",
        "core_businesscalendar",
        "core_calendarday",
        "core_workinghours",
        "fieldwork_checklistitem",
        "followup_visitquestion",
        "service_faulttype",
        "service_slaclockrule",
        "service_slapolicy",
    }
)
# Migration operations whose database effect is exactly what the migration state describes:
# a plan of only these (or subclasses, e.g. django_tasks_db's RenameIndexIfExists) can be
# built straight from the state. RunPython only writes rows, and restore replaces every row.
_STATE_ONLY_OPERATIONS = (
    ops.CreateModel,
    ops.DeleteModel,
    ops.RenameModel,
    ops.AlterModelTable,
    ops.AlterModelTableComment,
    ops.AlterUniqueTogether,
    ops.AlterIndexTogether,
    ops.AlterModelOptions,
    ops.AlterModelManagers,
    ops.AlterOrderWithRespectTo,
    ops.AddField,
    ops.RemoveField,
    ops.AlterField,
    ops.RenameField,
    ops.AddIndex,
    ops.RemoveIndex,
    ops.RenameIndex,
    ops.AddConstraint,
    ops.RemoveConstraint,
    ops.AlterConstraint,
    ops.RunPython,
)

Log = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int
    schema: str  # "built" from the migration state, or "migrated"
    pending_migrations: list[tuple[str, str]]


# --- values ----------------------------------------------------------------------------


def _base_field(f):
    """The field whose type a column really holds (a foreign key holds its target's)."""
    while f.is_relation:
        f = f.target_field
    return f


def _codec(f):
    """(encode, decode) between a field's Python value and its portable JSON value."""
    base = _base_field(f)
    kind = base.get_internal_type()
    if kind == "DecimalField":
        places = Decimal(1).scaleb(-base.decimal_places)
        return (lambda v: format(v.quantize(places), "f")), Decimal
    if kind == "DateTimeField":
        return _encode_datetime, dt.datetime.fromisoformat
    if kind == "DateField":
        return (lambda v: v.isoformat()), dt.date.fromisoformat
    if kind == "TimeField":
        return (lambda v: v.isoformat()), dt.time.fromisoformat
    if kind == "DurationField":
        return (lambda v: v // dt.timedelta(microseconds=1)), (
            lambda v: dt.timedelta(microseconds=v)
        )
    if kind == "UUIDField":
        return str, uuid.UUID
    if kind == "BinaryField":
        return (lambda v: base64.b64encode(bytes(v)).decode("ascii")), base64.b64decode
    return None, None  # str, int, bool, float, JSON: as they are


def _encode_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def _canonical(obj) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
        + "\n"
    ).encode()


# --- models of a migration state -------------------------------------------------------


def _state_models(state) -> list:
    """The models with a table of their own at that state, parents before children."""
    models = [
        m
        for m in state.apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return _load_order(models)


def _load_order(models: list) -> list:
    """Referenced tables first (clear to read; constraints are deferred anyway), cycles broken
    by name, self-references ignored."""
    by_table = {m._meta.db_table: m for m in models}
    needs = {
        table: {
            f.related_model._meta.db_table
            for f in m._meta.concrete_fields
            if f.is_relation and f.related_model._meta.db_table in by_table
        }
        - {table}
        for table, m in by_table.items()
    }
    order: list = []
    while needs:
        ready = sorted(t for t, deps in needs.items() if not deps) or [min(needs)]
        table = ready[0]
        order.append(by_table[table])
        del needs[table]
        for deps in needs.values():
            deps.discard(table)
    return order


def _nodes(loader: MigrationLoader, applied: Iterable[tuple[str, str]]) -> set:
    """The graph nodes a set of applied (app, name) pairs stands for (a squashed migration
    counts when all it replaces is applied)."""
    applied = set(applied)
    return {
        key
        for key in loader.graph.nodes
        if key in applied
        or (key in loader.replacements and set(loader.replacements[key].replaces) <= applied)
    }


def _leaves(loader: MigrationLoader, nodes: set) -> list:
    """The last of the nodes in each app: the targets `migrate` would be given."""
    return sorted(
        key
        for key in nodes
        if not any(
            child.key in nodes and child.key[0] == key[0]
            for child in loader.graph.node_map[key].children
        )
    )


def _known(loader: MigrationLoader) -> set:
    known = set(loader.graph.nodes)
    for migration in loader.replacements.values():
        known.update(migration.replaces)
    return known


# --- reading rows ------------------------------------------------------------------------


def _rows(model, using: str):
    """Every row of a model's table as canonical lines, in primary-key order."""
    conn = connections[using]
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    encoders = [_codec(f)[0] for f in fields]
    pk = model._meta.pk
    order = F(pk.attname)
    if conn.vendor == "postgresql" and _base_field(pk).get_internal_type() in (
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
    ):
        # Byte order, as SQLite sorts text: the checksum must not depend on the server locale.
        order = Collate(order, "C")
    rows = (
        model._base_manager.using(using)
        .order_by(order.asc())
        .values_list(*names)
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield _canonical(
            {
                name: value if encode is None or value is None else encode(value)
                for name, encode, value in zip(names, encoders, row, strict=True)
            }
        )


def _digest(model, using: str, sink=None) -> tuple[int, str, int]:
    """(rows, sha256, bytes) of a table; the lines go to sink when given."""
    h, count, size = hashlib.sha256(), 0, 0
    for line in _rows(model, using):
        h.update(line)
        count += 1
        size += len(line)
        if sink is not None:
            sink.write(line)
    return count, h.hexdigest(), size


def table_digests(using: str = "default") -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256)} of a database at the migration state it is at."""
    loader = MigrationLoader(connections[using])
    state = loader.project_state(_leaves(loader, _nodes(loader, loader.applied_migrations)))
    return {
        m._meta.db_table: _digest(m, using)[:2]
        for m in _state_models(state)
        if m._meta.db_table not in SKIPPED_TABLES
    }


@contextmanager
def temporary_connection(settings_dict: dict):
    """A database connection of its own under a throw-away alias, closed at the end."""
    alias = f"aftersales_backup_{secrets.token_hex(4)}"
    conn = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = conn
    try:
        yield alias
    finally:
        conn.close()
        del connections[alias]


@contextmanager
def _snapshot(using: str, workdir: Path):
    """An alias that reads one consistent state of the database while others go on writing."""
    conn = connections[using]
    settings_dict = copy.deepcopy(conn.settings_dict)
    if conn.vendor == "sqlite" and conn.in_atomic_block:
        # Called inside a transaction (a test, a script): SQLite cannot copy the pages that
        # transaction holds, and its view is one consistent state already.
        yield using
    elif conn.vendor == "sqlite":
        # SQLite's online backup copies the pages of one read transaction; reading the copy
        # holds no lock on the live file however long the dump takes.
        copy_path = workdir / "snapshot.sqlite3"
        conn.ensure_connection()
        target = sqlite3.connect(copy_path)
        try:
            conn.connection.backup(target)
        finally:
            target.close()
        settings_dict.update(NAME=str(copy_path), OPTIONS={})
        with temporary_connection(settings_dict) as alias:
            yield alias
    elif conn.vendor == "postgresql":
        with temporary_connection(settings_dict) as alias, transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield alias
    else:
        raise BackupError(f"Backups of {conn.vendor} databases are not supported.")


# --- backup --------------------------------------------------------------------------------


def _app_version() -> str:
    try:
        return metadata.version("aftersales")
    except metadata.PackageNotFoundError:
        return "unknown"


def _media_files(media_root: Path, skip: Path) -> list[tuple[Path, str]]:
    """(path, archive name) of every regular file under MEDIA_ROOT; symlinks are not followed,
    and the folder the archive goes to is left out (should it lie under MEDIA_ROOT)."""
    found = []
    if not media_root.is_dir():
        return found
    skip = skip.resolve()
    for dirpath, dirnames, filenames in os.walk(media_root):
        dirnames[:] = sorted(d for d in dirnames if (Path(dirpath) / d).resolve() != skip)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append((path, "media/" + path.relative_to(media_root).as_posix()))
    return found


class _HashingReader:
    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def read(self, n=-1):
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def default_path(now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now(dt.UTC)
    return Path(settings.DATA_DIR) / "backups" / f"aftersales-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def create(
    output: str | Path | None = None,
    *,
    using: str = "default",
    media_root: str | Path | None = None,
    keep: int | None = None,
    log: Log | None = None,
) -> BackupResult:
    """Write one archive of the database and the uploaded files; returns what it wrote."""
    log = log or (lambda _msg: None)
    created = dt.datetime.now(dt.UTC)
    dest = Path(output) if output else default_path(created)
    if dest.exists():
        raise BackupError(f"{dest} exists already; choose another --output.")
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    partial = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.partial"
    # Owner-only from the first byte: the archive holds personal data and password hashes.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tempfile.TemporaryDirectory(dir=dest.parent, prefix=".backup-") as work,
        ):
            with tarfile.open(
                fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6
            ) as tar:
                manifest = _write_archive(tar, using, media_root, Path(work), created, log)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    pruned = prune(dest.parent, keep) if keep else []
    return BackupResult(
        path=dest,
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        files=len(manifest["files"]),
        pruned=pruned,
    )


def _write_archive(tar, using, media_root: Path, work: Path, created, log: Log) -> dict:
    tables = []
    with _snapshot(using, work) as alias:
        loader = MigrationLoader(connections[alias])
        applied = sorted(loader.applied_migrations)
        if not applied:
            raise BackupError("The database has no migrations applied: nothing to back up.")
        unknown = sorted(set(applied) - _known(loader))
        if unknown:
            raise BackupError(
                "The database has migrations this version does not know "
                f"({_names(unknown)}): back it up with the version that migrated it."
            )
        state = loader.project_state(_leaves(loader, _nodes(loader, applied)))
        for model in _state_models(state):
            table = model._meta.db_table
            if table in SKIPPED_TABLES:
                continue
            name = f"db/{table}.jsonl"
            with tempfile.TemporaryFile(dir=work) as buf:
                rows, sha, size = _digest(model, alias, sink=buf)
                buf.seek(0)
                tar.addfile(_tarinfo(name, size, created.timestamp()), buf)
            tables.append(
                {
                    "table": table,
                    "model": model._meta.label_lower,
                    "file": name,
                    "columns": sorted(f.attname for f in model._meta.concrete_fields),
                    "rows": rows,
                    "size": size,
                    "sha256": sha,
                }
            )
            log(f"{table}: {rows} rows")
        db = connections[alias]
        database = {
            "vendor": db.vendor,
            "version": ".".join(map(str, db.get_database_version())),
        }
    # Files after the rows: uploads are written before the row naming them is committed, so
    # every file the snapshot names is there (newer, unnamed files are harmless extras).
    files = []
    for path, name in _media_files(media_root, skip=work.parent):
        stat = path.stat()
        with path.open("rb") as fh:
            reader = _HashingReader(fh)
            tar.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), reader)
        files.append({"path": name, "size": reader.size, "sha256": reader.sha.hexdigest()})
    log(f"{len(files)} uploaded files")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "created_at": created.isoformat(),
        "database": database,
        "migrations": [list(m) for m in applied],
        "skipped_tables": sorted(SKIPPED_TABLES),
        "tables": tables,
        "files": files,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    tar.addfile(_tarinfo(MANIFEST, len(data), created.timestamp()), io.BytesIO(data))
    return manifest


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives with the default name in directory."""
    archives = sorted(p for p in Path(directory).iterdir() if NAME_PATTERN.match(p.name))
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def _names(pairs, limit: int = 5) -> str:
    shown = ", ".join(f"{a}.{n}" for a, n in list(pairs)[:limit])
    return shown + (f" and {len(pairs) - limit} more" if len(pairs) > limit else "")


# --- checking an archive -------------------------------------------------------------------


def _member_name_ok(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return False
    if name == MANIFEST:
        return True
    if parts[0] == "db":
        return len(parts) == 2 and parts[1].endswith(".jsonl")
    return parts[0] == "media" and len(parts) >= 2


def _members(tar):
    """The archive's members, refusing anything but regular files with safe names."""
    seen = set()
    for member in tar:
        if not _member_name_ok(member.name):
            raise BackupError(f"Refusing the archive: unsafe member name {member.name!r}.")
        if not member.isreg():
            raise BackupError(f"Refusing the archive: {member.name!r} is not a regular file.")
        if member.name in seen:
            raise BackupError(f"Refusing the archive: {member.name!r} appears twice.")
        seen.add(member.name)
        yield member


def _open(path: Path):
    try:
        return tarfile.open(path, mode="r|gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a readable backup archive ({exc}).") from exc


def verify_archive(path: str | Path) -> dict:
    """Check the archive against its manifest (names, sizes, checksums); returns the manifest."""
    path = Path(path)
    found, manifest = {}, None
    try:
        with _open(path) as tar:
            for member in _members(tar):
                fh = tar.extractfile(member)
                if member.name == MANIFEST:
                    try:
                        manifest = json.loads(fh.read())
                    except ValueError as exc:
                        raise BackupError(f"The manifest is not valid JSON ({exc}).") from exc
                    continue
                reader = _HashingReader(fh)
                while reader.read(1 << 20):
                    pass
                found[member.name] = (reader.size, reader.sha.hexdigest())
    except (OSError, EOFError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is damaged ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not an aftersales backup (no manifest).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Backup format {manifest.get('format_version')} is not supported by this version."
        )
    try:
        expected = {t["file"]: (t["size"], t["sha256"]) for t in manifest["tables"]}
        expected.update({f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]})
        for key in ("app_version", "created_at", "database", "migrations"):
            manifest[key]  # noqa: B018 - only its presence is checked
        if not all(isinstance(t["table"], str) and t["columns"] for t in manifest["tables"]):
            raise TypeError("tables")
    except (KeyError, TypeError) as exc:
        raise BackupError(f"The manifest is incomplete ({exc}).") from exc
    problems = [f"{n}: missing" for n in sorted(set(expected) - set(found))]
    problems += [f"{n}: not in the manifest" for n in sorted(set(found) - set(expected))]
    problems += [
        f"{n}: checksum or size differs"
        for n in sorted(set(found) & set(expected))
        if found[n] != tuple(expected[n])
    ]
    if problems:
        raise BackupError(
            "The archive does not match its manifest; it is damaged or was altered: "
            + "; ".join(problems[:10])
            + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else "")
        )
    return manifest


# --- restore -------------------------------------------------------------------------------


def check_migrations(manifest: dict, loader: MigrationLoader | None = None) -> set:
    """The backup's migrations, refused when this version lacks one of them (the backup was
    made by a newer version). Later migrations of this version are the upgrade path."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    wanted = {tuple(m) for m in manifest["migrations"]}
    unknown = sorted(wanted - _known(loader))
    if unknown:
        raise BackupError(
            f"The backup was made by a newer version ({manifest['app_version']}): this "
            f"version lacks its migrations {_names(unknown)}. Install that version or a later "
            "one, then restore."
        )
    return wanted


def business_rows(using: str = "default") -> list[str]:
    """Tables that hold rows `migrate` does not put there: an installation in use."""
    conn = connections[using]
    existing = set(conn.introspection.table_names())
    tables = {
        m._meta.db_table
        for m in global_apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }
    candidates = sorted((tables & existing) - SEEDED_TABLES - SKIPPED_TABLES)
    found = []
    with conn.cursor() as cursor:
        for table in candidates:  # names of the models' tables, quoted
            cursor.execute(f"SELECT 1 FROM {conn.ops.quote_name(table)} LIMIT 1")  # nosec B608
            if cursor.fetchone():
                found.append(table)
    return found


def restore(
    path: str | Path,
    *,
    force: bool = False,
    using: str = "default",
    media_root: str | Path | None = None,
    log: Log | None = None,
) -> RestoreResult:
    """Rebuild an empty installation from an archive; every table is checked at the end."""
    log = log or (lambda _msg: None)
    path = Path(path)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = verify_archive(path)
    log("Archive checked against its manifest.")
    conn = connections[using]
    if conn.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Restores into {conn.vendor} databases are not supported.")
    loader = MigrationLoader(conn)
    wanted = check_migrations(manifest, loader)
    in_use = business_rows(using)
    if in_use and not force:
        raise BackupError(
            "The database is not empty: "
            + ", ".join(in_use[:5])
            + (f" and {len(in_use) - 5} more tables" if len(in_use) > 5 else "")
            + " hold rows. Restore into an empty database, or use --force to erase it."
        )
    nodes = _nodes(loader, wanted)
    leaves = _leaves(loader, nodes)
    closure = {key for leaf in leaves for key in loader.graph.forwards_plan(leaf)}
    if closure != nodes:
        raise BackupError("The backup's migration history is inconsistent with this version's.")
    state = loader.project_state(leaves)
    schema = _prepare_schema(conn, loader, leaves, wanted, state)
    applied = _nodes(loader, MigrationRecorder(conn).applied_migrations())
    if applied != nodes:
        raise BackupError(
            "The database could not be brought to the backup's migrations; restore into an "
            "empty database."
        )
    log(f"Schema at the backup's migrations ({schema}).")
    models = _state_models(state)
    rows, files = _load(conn, path, manifest, models, media_root, log)
    pending = sorted(set(loader.graph.nodes) - nodes)
    return RestoreResult(
        tables=len(manifest["tables"]),
        rows=rows,
        files=files,
        schema=schema,
        pending_migrations=pending,
    )


def _prepare_schema(conn, loader, leaves, wanted, state) -> str:
    """Bring the database to the backup's migrations.

    An empty database gets its tables straight from the migration state when every operation
    on the way is one the state describes fully: the same schema as running the migrations,
    in a second or two instead of a minute. Otherwise the migrations run (forwards, or
    backwards over a --force target that is ahead)."""
    recorder = MigrationRecorder(conn)
    existing = set(conn.introspection.table_names())
    models = _state_models(state)
    executor = MigrationExecutor(conn)
    if not (recorder.has_table() and recorder.applied_migrations()) and not (
        existing & {m._meta.db_table for m in models}
    ):
        plan = executor.migration_plan(leaves, clean_start=True)
        if all(isinstance(op, _STATE_ONLY_OPERATIONS) for m, _ in plan for op in m.operations):
            conn.prepare_database()
            has_recorder_table = recorder.has_table()
            # One transaction: a restore stopped here leaves no tables behind to trip the next.
            with conn.schema_editor() as editor:
                for model in models:
                    if not model._meta.auto_created:  # through tables come with their model
                        editor.create_model(model)
                if not has_recorder_table:
                    editor.create_model(recorder.Migration)
                recorder.Migration.objects.using(conn.alias).bulk_create(
                    recorder.Migration(app=app_label, name=name)
                    for app_label, name in sorted(wanted)
                )
            return "built from the migration state"
    executor.loader.check_consistent_history(conn)
    targets = list(leaves)
    targets += [(app, None) for app in loader.migrated_apps if app not in {a for a, _ in leaves}]
    conn.prepare_database()
    executor.migrate(targets, plan=executor.migration_plan(targets))
    return "migrated"


def _load(conn, path: Path, manifest: dict, models: list, media_root: Path, log: Log):
    by_table = {m._meta.db_table: m for m in models}
    tables = {t["file"]: t for t in manifest["tables"]}
    media = {f["path"]: f for f in manifest["files"]}
    wanted = {t["table"] for t in manifest["tables"]}
    have = set(by_table) - SKIPPED_TABLES
    if wanted != have:
        raise BackupError(
            "The archive's tables do not match its migrations: "
            f"missing {sorted(have - wanted)[:5]}, unexpected {sorted(wanted - have)[:5]}."
        )
    staging = media_root.parent / f".{media_root.name}.restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700, parents=True)
    try:
        with transaction.atomic(using=conn.alias):
            with conn.cursor() as cursor:
                existing = set(conn.introspection.table_names(cursor))
                for sql in conn.ops.sql_flush(
                    no_style(), sorted(existing & set(by_table)), allow_cascade=False
                ):
                    cursor.execute(sql)
            rows = files = 0
            with _open(path) as tar:
                for member in _members(tar):
                    fh = tar.extractfile(member)
                    if member.name in tables:
                        entry = tables[member.name]
                        rows += _load_table(conn, by_table[entry["table"]], entry, fh)
                        log(f"{entry['table']}: {entry['rows']} rows")
                    elif member.name.startswith("media/"):
                        _stage_file(staging, fh, media[member.name])
                        files += 1
            with conn.cursor() as cursor:
                for sql in conn.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
            conn.check_constraints(table_names=sorted(by_table))
            _verify(conn, manifest, by_table)
            log("Every table's rows and checksum match the manifest.")
        _move_files(staging, media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rows, files


def _load_table(conn, model, entry: dict, fh) -> int:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    table = entry["table"]
    if sorted(fields) != entry["columns"]:
        raise BackupError(f"{table}: the archive's columns differ from the migration state.")
    names = sorted(fields)
    qn = conn.ops.quote_name
    # Table and column names come from the models, the values go as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # nosec B608
        qn(table),
        ", ".join(qn(fields[n].column) for n in names),
        ", ".join(["%s"] * len(names)),
    )
    preps = [_preparer(conn, fields[n]) for n in names]
    h, count, batch = hashlib.sha256(), 0, []
    with conn.cursor() as cursor:
        for line in fh:
            h.update(line)
            obj = json.loads(line)
            if sorted(obj) != names:
                raise BackupError(f"{table}: line {count + 1} has other columns.")
            batch.append([prep(obj[n]) for prep, n in zip(preps, names, strict=True)])
            count += 1
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    if count != entry["rows"] or h.hexdigest() != entry["sha256"]:
        raise BackupError(f"{table}: the archive changed while it was read.")
    return count


def _preparer(conn, f):
    """JSON value → the parameter the database driver takes for that column."""
    decode = _codec(f)[1]
    json_not_null = _base_field(f).get_internal_type() == "JSONField" and not f.null

    def prepare(value):
        if value is None:
            # JSON null in a NOT NULL JSON column is the JSON value, not SQL NULL.
            return conn.ops.adapt_json_value(None, f.encoder) if json_not_null else None
        return f.get_db_prep_save(decode(value) if decode else value, connection=conn)

    return prepare


def _verify(conn, manifest: dict, by_table: dict) -> None:
    problems = []
    for entry in manifest["tables"]:
        rows, sha, _size = _digest(by_table[entry["table"]], conn.alias)
        if rows != entry["rows"]:
            problems.append(f"{entry['table']}: {rows} rows, the backup has {entry['rows']}")
        elif sha != entry["sha256"]:
            problems.append(f"{entry['table']}: checksum differs")
    if problems:
        raise BackupError(
            "Restored rows differ from the backup, nothing was kept: " + "; ".join(problems[:10])
        )


def _stage_file(staging: Path, fh, expected: dict) -> None:
    name = expected["path"]
    target = staging / name.removeprefix("media/")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        reader = _HashingReader(fh)
        while chunk := reader.read(1 << 20):
            out.write(chunk)
    if (reader.size, reader.sha.hexdigest()) != (expected["size"], expected["sha256"]):
        raise BackupError(f"{name}: the archive changed while it was read.")


def _move_files(staging: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    root = media_root.resolve()
    file_mode = settings.FILE_UPLOAD_PERMISSIONS or 0o644
    for dirpath, _dirnames, filenames in os.walk(staging):
        for name in filenames:
            staged = Path(dirpath) / name
            final = media_root / staged.relative_to(staging)
            final.parent.mkdir(parents=True, exist_ok=True)
            if not final.parent.resolve().is_relative_to(root):
                raise BackupError(f"{final} would be written outside MEDIA_ROOT.")
            os.chmod(staged, file_mode)
            os.replace(staged, final)
