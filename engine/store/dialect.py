"""The few differences between the store's SQLite SQL and PostgreSQL, translated in one place.

The store's modules write SQLite SQL (sqlite-utils, `?` placeholders). On PostgreSQL
(engine/store/backends/postgres.py) every statement passes through `statement()` first:
- `?` placeholders become `%s`, and a literal `%` becomes `%%` (psycopg's placeholders);
- scalar `max(a, b, …)` / `min(a, b, …)` become GREATEST / LEAST (aggregates keep one argument);
- `json_extract(X, '$.a.b')` becomes `(X::jsonb #>> '{a,b}')`;
- `CAST(x AS REAL)` becomes double precision (PostgreSQL's REAL has only 6 digits);
- `LIKE` becomes `ILIKE` (SQLite's LIKE ignores the case of ASCII letters);
- a bare 0 or 1 as a condition (`WHERE 0 AND …`, `OR (0)`: an empty alternative) becomes FALSE / TRUE
  (no `BETWEEN x AND 1` in the store's SQL: that would read as a condition);
- `CROSS JOIN t ON …` (SQLite's join-order hint) becomes `JOIN t ON …`;
- a subquery in FROM without an alias gets one (`AS _subN`: PostgreSQL 15 requires it);
- `INSERT OR REPLACE INTO t (…)` / `INSERT OR IGNORE INTO t (…)` become ON CONFLICT clauses
  (the table's primary key is given by the caller).
Plain DDL of a migration (`ddl()`): CREATE TABLE, ALTER TABLE ADD COLUMN, CREATE [UNIQUE] INDEX
run on both; SQLite's rowid primary key (`id INTEGER PRIMARY KEY`, the next id is max + 1) is
kept by a trigger, so explicit and implicit ids mix as on SQLite. A CREATE TRIGGER has no
translation: its PostgreSQL form lives in engine/store/backends/pg_schema.py under the same name.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_JSON_EXTRACT = re.compile(r"json_extract\(\s*([A-Za-z_][A-Za-z_0-9.]*)\s*,\s*'\$\.([A-Za-z_0-9.]+)'\s*\)", re.I)
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+([A-Za-z_][A-Za-z_0-9]*)\s*\(([^)]*)\)", re.I | re.S)
_ROWID_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z_0-9]*)\s*\(\s*id\s+INTEGER\s+PRIMARY\s+KEY\b",
                          re.I)


class Untranslatable(ValueError):
    """A migration statement with no automatic PostgreSQL form (a trigger)."""


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """The top-level arguments of a call whose '(' is at text[start]; and the index after its ')'."""
    depth, args, current, i, quote = 0, [], "", start, None
    while i < len(text):
        ch = text[i]
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            current += ch
        elif ch == "(":
            depth += 1
            if depth > 1:
                current += ch
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(current)
                return args, i + 1
            current += ch
        elif ch == "," and depth == 1:
            args.append(current)
            current = ""
        else:
            current += ch
        i += 1
    raise ValueError(f"unbalanced parentheses in SQL: {text[:80]}")


def _scalar_minmax(sql: str) -> str:
    out, i = [], 0
    literals = [m.span() for m in re.finditer(r"'(?:[^']|'')*'", sql)]
    for m in re.finditer(r"\b(max|min)\s*\(", sql, re.I):
        if m.start() < i or any(a <= m.start() < b for a, b in literals):
            continue
        args, end = _split_args(sql, m.end() - 1)
        if len(args) < 2:
            continue
        name = "GREATEST" if m.group(1).lower() == "max" else "LEAST"
        out.append(sql[i:m.start()])
        out.append(f"{name}({', '.join(_scalar_minmax(a.strip()) for a in args)})")
        i = end
    out.append(sql[i:])
    return "".join(out)


_NOT_ALIAS = {"WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "JOIN", "LEFT", "INNER", "CROSS", "UNION", "HAVING", "ON",
              "WINDOW", "EXCEPT", "INTERSECT"}


def _subquery_aliases(sql: str) -> str:
    """`FROM (SELECT …)` without an alias gets one (PostgreSQL before 16 requires it)."""
    literals = [m.span() for m in re.finditer(r"'(?:[^']|'')*'", sql)]
    out, i, n = [], 0, 0
    for m in re.finditer(r"\bFROM\s*\(", sql, re.I):
        if m.start() < i or any(a <= m.start() < b for a, b in literals):
            continue
        _, end = _split_args(sql, m.end() - 1)
        word = re.match(r"\s*([A-Za-z_]\w*)?", sql[end:]).group(1)
        out.append(sql[i:m.end()] + _subquery_aliases(sql[m.end():end - 1]) + ")")
        if word is None or word.upper() in _NOT_ALIAS:
            n += 1
            out.append(f" AS _sub{n}")
        i = end
    out.append(sql[i:])
    return "".join(out)


def _placeholders(sql: str) -> str:
    """`?` outside quotes to %s; every `%` to %%."""
    out, quote = [], None
    for ch in sql:
        if ch == "%":
            out.append("%%")
        elif quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


def _outside_quotes(sql: str, fn: Callable[[str], str]) -> str:
    """Apply fn to the parts of sql outside single-quoted literals."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def _plain(sql: str) -> str:
    sql = _JSON_EXTRACT.sub(lambda m: f"({m.group(1)}::jsonb #>> '{{{','.join(m.group(2).split('.'))}}}')", sql)

    def words(part: str) -> str:
        part = re.sub(r"\bAS\s+REAL\b", "AS DOUBLE PRECISION", part, flags=re.I)
        part = re.sub(r"\bNOT\s+LIKE\b", "NOT ILIKE", part, flags=re.I)
        part = re.sub(r"(?<!NOT )(?<![A-Za-z_])LIKE\b", "ILIKE", part, flags=re.I)
        part = re.sub(r"\bCROSS\s+JOIN\s+(\w+(?:\s+(?:AS\s+)?\w+)?)\s+ON\b", r"JOIN \1 ON", part, flags=re.I)
        return re.sub(r"\b(WHERE|AND|OR)(\s+\(?\s*|\s*\(\s*)([01])(?=\s*(?:\)|\bAND\b|\bOR\b|\bORDER\b|\bGROUP\b|\bLIMIT\b|$))",
                      lambda m: f"{m.group(1)}{m.group(2)}{'TRUE' if m.group(3) == '1' else 'FALSE'}", part, flags=re.I)
    return _subquery_aliases(_scalar_minmax(_outside_quotes(sql, words)))


@lru_cache(maxsize=2048)
def statement(sql: str, primary_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> str:
    """A statement of the store's SQL as PostgreSQL runs it (psycopg placeholders).
    primary_keys: (table, key columns) for INSERT OR REPLACE."""
    m = _INSERT_OR.match(sql)
    if m:
        verb, table, cols = m.group(1).upper(), m.group(2), [c.strip() for c in m.group(3).split(",")]
        body = "INSERT INTO" + sql[m.start(2) - 1:].rstrip().rstrip(";")
        if verb == "IGNORE":
            sql = body + " ON CONFLICT DO NOTHING"
        else:
            keys = dict(primary_keys).get(table)
            if not keys:
                raise ValueError(f"INSERT OR REPLACE into {table}: its primary key is not known")
            rest = [c for c in cols if c not in keys]
            sql = body + f" ON CONFLICT ({', '.join(keys)}) " + (
                f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in rest)}" if rest else "DO NOTHING")
    return _placeholders(_plain(sql))


def ddl(sql: str) -> tuple[str, str | None]:
    """A plain DDL or data statement of a migration, for PostgreSQL: (the statement, with `?` left
    alone; the table whose rowid `id` needs the max + 1 trigger, or None). A trigger is refused."""
    if re.match(r"^\s*CREATE\s+(TEMP\w*\s+)?TRIGGER\b", sql, re.I):
        raise Untranslatable(sql.strip().splitlines()[0])
    if re.match(r"^\s*(DROP\s+TRIGGER|PRAGMA)\b", sql, re.I):
        raise Untranslatable(sql.strip().splitlines()[0])
    rowid = _ROWID_TABLE.match(sql)

    def types(part: str) -> str:
        part = re.sub(r"\bREAL\b", "DOUBLE PRECISION", part, flags=re.I)
        part = re.sub(r"\bBLOB\b", "BYTEA", part, flags=re.I)
        return re.sub(r"\bAUTOINCREMENT\b", "", part, flags=re.I)
    out = _outside_quotes(sql, types)
    return out, (rowid.group(1) if rowid else None)


def trigger_name(sql: str) -> str | None:
    m = re.match(r"^\s*CREATE\s+(?:TEMP\w*\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z_0-9]*)", sql, re.I)
    return m.group(1) if m else None
