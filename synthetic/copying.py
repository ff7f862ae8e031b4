"""Moving rows into PostgreSQL fast: COPY from a writer thread, and indexes set aside meanwhile.

The generator builds rows as lines of COPY's text format (tab-separated, `\\N` for NULL) in
`Table` buffers and hands each full buffer to the `Copier`, whose thread streams it into the
same transaction while the generator goes on with the next chunk: Python makes rows on one core
while PostgreSQL parses and stores them on the other.
"""

from __future__ import annotations

import datetime
import json
import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED

NULL = "\\N"
TRUE = "t"
FALSE = "f"

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def esc(text: str) -> str:
    """Text from outside the checked pools, made safe for COPY's text format."""
    return text.translate(_ESCAPES)


def json_text(value: Any) -> str:
    """A JSON column's value (Khmer kept as it is, so no backslash escapes are needed)."""
    return esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _as_text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, int | float | str):
        return esc(str(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json_text(value)
    raise ImproperlyConfigured(f"no COPY text for a default of type {type(value).__name__}")


class Table:
    """The rows of one table waiting to be copied, as lines of COPY text.

    Columns the generator does not know (a field added to the model later) are filled with the
    field's default, or NULL, so that a new optional field does not stop the generator; a new
    required field without a default does, with a message that says which.
    """

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        known = set(columns)
        extra: list[tuple[str, str]] = []
        for field in model._meta.concrete_fields:
            column = str(field.column)
            if column in known:
                continue
            if field.db_default is not NOT_PROVIDED:
                continue  # the database fills it
            if field.has_default():
                extra.append((column, _as_text(field.get_default())))
            elif field.null:
                extra.append((column, NULL))
            else:
                raise ImproperlyConfigured(
                    f"generate_synthetic does not fill {self.name}.{column}: add it to "
                    "synthetic/ (it is required and has no default)."
                )
        unknown = known - {field.column for field in model._meta.concrete_fields}
        if unknown:
            raise ImproperlyConfigured(f"{self.name} has no columns {sorted(unknown)}")
        self.columns: tuple[str, ...] = (*columns, *(column for column, _ in extra))
        self.width = len(columns)
        self.suffix = "".join("\t" + text for _, text in extra)
        self.rows: list[str] = []
        self.total = 0
        self.next_id = 1

    def new_id(self) -> int:
        """The next primary key (ids are handed out here, so they do not depend on the server)."""
        value = self.next_id
        self.next_id = value + 1
        return value

    def link(self, left: int, right: int) -> None:
        """A row of a many-to-many table."""
        self.add(str(self.new_id()), str(left), str(right))

    def add(self, *values: str) -> None:
        if len(values) != self.width:
            raise ValueError(f"{self.name}: {len(values)} values for {self.width} columns")
        self.rows.append("\t".join(values))

    def take(self) -> bytes:
        """The waiting rows as COPY data, and an empty buffer for the next ones."""
        if not self.rows:
            return b""
        rows, self.rows = self.rows, []
        self.total += len(rows)
        if self.suffix:
            suffix = self.suffix
            return "".join(f"{row}{suffix}\n" for row in rows).encode()
        return ("\n".join(rows) + "\n").encode()

    @property
    def copy_sql(self) -> str:
        columns = ", ".join(quote(column) for column in self.columns)
        # FREEZE: the rows are written already frozen (the table was truncated in this
        # transaction), so no vacuum has to visit them afterwards.
        return f"COPY {quote(self.name)} ({columns}) FROM STDIN WITH (FREEZE)"


class Copier:
    """A thread that COPYs buffers into the current transaction, in the order they come."""

    def __init__(self, *, depth: int = 256) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="synthetic-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._raw.cursor() as cursor:
                while True:
                    item = self._queue.get()
                    if item is None:
                        return
                    if self._cancelled:
                        continue
                    statement, data = item
                    with cursor.copy(statement) as copy:
                        copy.write(data)
        except BaseException as error:  # handed to the generator's thread by put()/close()
            self._error = error
            # Keep taking buffers so that the generator is not left waiting on a full queue.
            while self._queue.get() is not None:
                pass

    def put(self, table: Table) -> None:
        data = table.take()
        if not data:
            return
        self._raise()
        self._queue.put((table.copy_sql, data))

    def put_all(self, tables: Iterable[Table]) -> None:
        for table in tables:
            self.put(table)

    def close_quietly(self) -> None:
        """Stop after the COPY under way, dropping the rest (the transaction is failing)."""
        self._cancelled = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def close(self) -> None:
        """Wait until everything handed over is in the database (or raise what went wrong)."""
        self._queue.put(None)
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        """What went wrong in the thread, as Django's database errors (DataError...)."""
        if self._error is not None:
            with connection.wrap_database_errors:
                raise self._error


# --- Indexes ----------------------------------------------------------------------------------


def set_indexes_aside(tables: Iterable[str]) -> list[str]:
    """Drop the secondary indexes (and unique constraints) of `tables`; return how to rebuild
    them. Building an index once over the loaded rows, with both cores, is much cheaper than
    keeping it up to date row by row while PostgreSQL is busy storing them (even an index that
    only grows at its right end costs more kept than rebuilt). Indexes that a foreign key
    relies on stay."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, pg_get_indexdef(i.oid), con.conname,
                   pg_get_constraintdef(con.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
            WHERE t.relname = ANY(%s)
              AND pg_table_is_visible(t.oid)
              AND NOT x.indisprimary
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.oid
              )
            ORDER BY t.relname, i.relname
            """,
            [sorted(set(tables))],
        )
        found = cursor.fetchall()
        rebuild: list[str] = []
        for table, index, index_sql, constraint, constraint_sql in found:
            if constraint is not None:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(constraint)}")
                rebuild.append(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} "
                    f"{constraint_sql}"
                )
            else:
                cursor.execute(f"DROP INDEX {quote(index)}")
                rebuild.append(index_sql)
    return rebuild


def rebuild_indexes(statements: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
