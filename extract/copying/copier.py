"""Copy a domain's rows from one database to another: batches, a checkpoint per table, verified.

Target := source, for each table of the domain (extract.rows): rows the target has and the
source does not are deleted first (children before parents, without cascading into rows
outside the selection: the database refuses instead), then the source's rows are upserted
in primary-key order, parents before children, one transaction per batch. An append-only
table (stored events) only gains the rows it lacks, stamped for its side, and is checked
on the source's rows alone. The same code copies to a service's database and back again.

Rows are read with the ORM (values as Django converts them) and written with plain
INSERT ... ON CONFLICT (pk), so that nothing runs that would change them on the way
(auto_now timestamps, save()): the copy is the rows as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from django.core.management.color import no_style
from django.db import connections, models, transaction

from extract.copying.checkpoints import Checkpoint
from extract.copying.checksums import Checksum, rows_of, table_checksum
from extract.copying.databases import missing_tables
from extract.rows import RowSet, domain_installed, row_sets

NOT_INSTALLED = (
    "Domain {domain!r} is not installed in this process, so its tables are unknown here. Run `extract data` where "
    "its app is installed: the monolith with the domain placed here (leave it out of DOMAIN_PLACEMENT)."
)
TABLES_MISSING = (
    "The {side} database has no table {tables}. Create the schema there first: in the service, "
    "`python manage.py migrate` (or `make migrate`); in the monolith, `python manage.py migrate`."
)
NOT_VERIFIED = (
    "The copy of {domain} does not match its source: {tables}. Rows changed while they were copied: stop writes to "
    "{domain} and run the command again (it starts over)."
)
MISMATCH = "{table} ({source_rows} rows, checksum {source_checksum:.12} in the source; {target_rows}, {target_checksum:.12} in the target)"  # noqa: E501
BAD_BATCH = "--batch-size must be at least 1, got {size}."


class CopyError(Exception):
    """A copy that cannot start or did not verify; the message says what to do."""


class Progress(Protocol):
    def begin(self, table: str, *, total: int, done: int) -> None: ...

    def advance(self, table: str, rows: int) -> None: ...


class NoProgress:
    def begin(self, table: str, *, total: int, done: int) -> None:
        pass

    def advance(self, table: str, rows: int) -> None:
        pass


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int | None
    """None when the target has no such table yet (a dry run before migrating)."""
    copied: int
    deleted: int
    source_checksum: str
    target_checksum: str

    @property
    def verified(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CopyReport:
    domain: str
    dry_run: bool
    resumed: bool
    tables: tuple[TableCopy, ...]

    @property
    def verified(self) -> bool:
        return not self.dry_run and all(table.verified for table in self.tables)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Sides:
    """Where the rows come from and go to: a connection alias each ('' = the domain's database here)."""

    source: str
    target: str

    def source_of(self, rows: RowSet) -> str:
        return self.source or rows.database

    def target_of(self, rows: RowSet) -> str:
        return self.target or rows.database


def copy_domain(
    domain: str,
    *,
    sides: Sides,
    checkpoint: Path,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CopyReport:
    """Make the target's rows of `domain` equal to the source's; verified by counts and checksums per table."""
    if batch_size < 1:
        raise CopyError(BAD_BATCH.format(size=batch_size))
    if not domain_installed(domain):
        raise CopyError(NOT_INSTALLED.format(domain=domain))
    progress = progress or NoProgress()
    sets = row_sets(domain)
    _require_tables(sets, sides, dry_run=dry_run)
    if dry_run:
        tables = tuple(_compare(rows, sides, batch_size) for rows in sets)
        return CopyReport(domain=domain, dry_run=True, resumed=False, tables=tables)
    state = Checkpoint.load(checkpoint)
    resumed = state.started
    deleted = {rows.table: _delete_missing(rows, sides, state, batch_size) for rows in reversed(sets)}
    copied = {rows.table: _copy(rows, sides, state, batch_size, progress) for rows in sets}
    _move_sequences_past_copied_keys(sets, sides)
    tables = tuple(
        dataclasses.replace(_compare(rows, sides, batch_size), copied=copied[rows.table], deleted=deleted[rows.table])
        for rows in sets
    )
    report = CopyReport(domain=domain, dry_run=False, resumed=resumed, tables=tables)
    state.remove()  # verified or not: a run after a failed verification starts over
    if not report.verified:
        raise CopyError(
            NOT_VERIFIED.format(
                domain=domain,
                tables="; ".join(
                    MISMATCH.format(**dataclasses.asdict(table)) for table in tables if not table.verified
                ),
            )
        )
    return report


def _require_tables(sets: Sequence[RowSet], sides: Sides, *, dry_run: bool) -> None:
    for side, alias_of in (("source", sides.source_of), ("target", sides.target_of)):
        if dry_run and side == "target":
            continue
        missing = [table for rows in sets for table in missing_tables(alias_of(rows), [rows.table])]
        if missing:
            raise CopyError(TABLES_MISSING.format(side=side, tables=", ".join(missing)))


def _compare(rows: RowSet, sides: Sides, batch_size: int = 500) -> TableCopy:
    """Counts and checksums of the selection on both sides (of an append-only table: the source's rows on both)."""
    source_query = rows.queryset(sides.source_of(rows))
    source_rows, source_checksum = table_checksum(source_query, rows.fields)
    target = sides.target_of(rows)
    if missing_tables(target, [rows.table]):
        target_rows, target_checksum = None, ""
    elif rows.append_only:
        found = Checksum(rows.fields)
        everything = rows.model._base_manager.using(target)
        for keys in _key_batches(source_query, batch_size):
            found.add_all(rows_of(everything.filter(pk__in=keys), rows.fields))
        target_rows, target_checksum = found.count, found.hexdigest
    else:
        target_rows, target_checksum = table_checksum(rows.queryset(target), rows.fields)
    return TableCopy(
        table=rows.table,
        source_rows=source_rows,
        target_rows=target_rows,
        copied=0,
        deleted=0,
        source_checksum=source_checksum,
        target_checksum=target_checksum,
    )


def _delete_missing(rows: RowSet, sides: Sides, state: Checkpoint, batch_size: int) -> int:
    """Delete the target's rows of the selection that the source does not have (matched by the natural key, if any)."""
    if rows.table in state.cleared or rows.append_only:
        return 0
    source, target = sides.source_of(rows), sides.target_of(rows)
    deleted = 0
    for batch in _key_batches(rows.queryset(target), batch_size):
        gone = _missing_from(rows, source, target, batch)
        if gone:
            with transaction.atomic(using=target):
                _delete(rows.model, gone, target)
            deleted += len(gone)
    state.cleared.append(rows.table)
    state.save()
    return deleted


def _missing_from(rows: RowSet, source: str, target: str, keys: list[Any]) -> list[Any]:
    """Those of the target's primary `keys` whose row the source does not have."""
    if not rows.natural_key:
        present = set(rows.queryset(source).filter(pk__in=keys).values_list("pk", flat=True))
        return [key for key in keys if key not in present]
    natural = {
        values[0]: tuple(values[1:])
        for values in rows.model._base_manager.using(target).filter(pk__in=keys).values_list("pk", *rows.natural_key)
    }
    wanted = models.Q()
    for values in natural.values():
        wanted |= models.Q(**dict(zip(rows.natural_key, values, strict=True)))
    present = set(rows.queryset(source).filter(wanted).values_list(*rows.natural_key))
    return [key for key in keys if natural[key] not in present]


def _copy(rows: RowSet, sides: Sides, state: Checkpoint, batch_size: int, progress: Progress) -> int:
    source, target = sides.source_of(rows), sides.target_of(rows)
    queryset = rows.queryset(source)
    pk = rows.model._meta.pk
    after = state.after.get(rows.table)
    done = 0 if after is None else queryset.filter(pk__lte=pk.to_python(after)).count()
    progress.begin(rows.table, total=queryset.count(), done=done)
    if rows.table in state.copied:
        return 0
    every = rows.model._meta.concrete_fields
    copied = 0
    while True:
        page = queryset.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=pk.to_python(after))
        batch = list(page.values(*(field.attname for field in every))[:batch_size])
        if not batch:
            break
        with transaction.atomic(using=target):
            _write(rows, batch, target)
        after = str(batch[-1][pk.attname])
        state.after[rows.table] = after
        state.save()
        copied += len(batch)
        progress.advance(rows.table, len(batch))
    state.copied.append(rows.table)
    state.save()
    return copied


def _move_sequences_past_copied_keys(sets: Sequence[RowSet], sides: Sides) -> None:
    """Set the target's sequences (PostgreSQL) of the tables copied with their keys past the largest key there.

    Rows are written with their keys, which does not move a sequence: without this the
    target's next row (the service's first order line) would take a key a copied row has.
    SQLite needs nothing (its next key follows the largest one); tables matched by a natural
    key had their keys given by the target, which moved its own sequence.
    """
    by_alias: dict[str, list[type[models.Model]]] = {}
    for rows in sets:
        if not rows.natural_key:
            by_alias.setdefault(sides.target_of(rows), []).append(rows.model)
    for alias, copied_models in by_alias.items():
        connection = connections[alias]
        statements = connection.ops.sequence_reset_sql(no_style(), copied_models)
        if statements:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)


def _key_batches(queryset: models.QuerySet, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for key in queryset.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=size):
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(rows: RowSet, batch: list[dict[str, Any]], using: str) -> None:
    """INSERT ... ON CONFLICT (pk, or the natural key): DO UPDATE the compared columns, or DO NOTHING (append-only)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    model = rows.model
    pk = model._meta.pk
    values = [
        {**{field.attname: row[field.attname] for field in rows.fields}, **(rows.stamp(row) if rows.stamp else {})}
        for row in batch
    ]
    fields = [field for field in model._meta.concrete_fields if field.attname in values[0]]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = [model._meta.get_field(name).column for name in rows.natural_key] or [pk.column]
    updated = [field.column for field in rows.fields if field is not pk and field.column not in conflict]
    updates = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in updated)
    action = f"DO UPDATE SET {updates}" if updates and not rows.append_only else "DO NOTHING"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(quote(column) for column in conflict)}) {action}"
    )
    prepared = [
        [field.get_db_prep_save(row[field.attname], connection=connection) for field in fields] for row in values
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def _delete(model: type[models.Model], keys: list[Any], using: str) -> None:
    """DELETE by primary key, without Django's cascade: a row still referenced outside the selection stays an error."""
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(pk.column)} IN ({placeholders})",
            [pk.get_db_prep_value(key, connection=connection) for key in keys],
        )
