"""Webhook secrets and signatures are compared in constant time, and SQL text is never built from runtime
values: ``ast`` scans of bot/, cogs/ and storage/ (the scanners themselves are checked on snippets first)."""

from __future__ import annotations

import ast

import pytest

from tests.security.source_scan import secret_comparisons, source_files, string_built_sql

# SQL text assembled from values the code itself fixes; each names why no runtime input reaches it.
SQL_ALLOWED = {
    # `tsquery` is POSTGRES_ALL or POSTGRES_ANY (module constants); the member's words are bound as :query.
    ("cogs/qa/faq.py", "_postgres"),
    # The table and key column come from the batch specs in code (cogs/points/totals.py), never from input;
    # values go in as `?` parameters. Raw sqlite3 in the worker process, where no dialect preparer exists.
    ("storage/batch.py", "write_sqlite"),
    # `column.name` comes from the model metadata (the table name is quoted by the dialect's preparer).
    ("storage/copy.py", "_reset_sequences"),
}


def scan(source: str) -> tuple[list[str], list[str]]:
    tree = ast.parse(source)
    return [f.code for f in secret_comparisons(tree)], [f.code for f in string_built_sql(tree)]


@pytest.mark.parametrize("source", [
    "def check(given, expected_signature):\n    return given == expected_signature",
    "def check(request, secret):\n    return request.headers['X'] != secret",
    "def check(mac, header):\n    return mac.hexdigest() == header",
    "def check(value, self):\n    return value in self._secrets",
    "def check(token, expected):\n    if token == expected:\n        return 1",
])
def test_the_comparison_scan_flags_secrets_compared_with_equals(source: str) -> None:
    assert scan(source)[0], source


@pytest.mark.parametrize("source", [
    "import hmac\ndef check(given, secret):\n    return hmac.compare_digest(given, secret)",
    "def check(token):\n    return token == '' or token.upper() == 'UTC'",  # against a literal: nothing leaks
    "def parse(token, kind):\n    return token[0] == kind",  # an item of a parsed token list
    "def check(secret):\n    return secret is None",
])
def test_the_comparison_scan_passes_constant_time_and_harmless_comparisons(source: str) -> None:
    assert scan(source)[0] == [], source


@pytest.mark.parametrize("source", [
    "def q(session, name):\n    return session.execute(text(f\"SELECT * FROM t WHERE name = '{name}'\"))",
    "def q(cursor, name):\n    cursor.execute(\"SELECT * FROM t WHERE name = '%s'\" % name)",
    "def q(cursor, name):\n    cursor.execute(\"SELECT * FROM t WHERE name = '{}'\".format(name))",
    "def q(cursor, name):\n    cursor.execute(\"SELECT * FROM t WHERE name = '\" + name + \"'\")",
    "def q(conn, table):\n    sql = f'DELETE FROM {table}'\n    conn.exec_driver_sql(sql)",
    "def q(conn, where):\n    conn.execute(text(' AND '.join(where)))",
])
def test_the_sql_scan_flags_text_built_from_values(source: str) -> None:
    assert scan(source)[1], source


@pytest.mark.parametrize("source", [
    "def q(session, name):\n    return session.execute(text('SELECT * FROM t WHERE name = :n'), {'n': name})",
    "HEAD = 'INSERT INTO t (a, b) VALUES'\ndef q(cursor, rows):\n"
    "    marks = ', '.join(['(?, ?)'] * len(rows))\n    cursor.execute(f'{HEAD} {marks}', rows)",
    "def q(conn, table):\n    name = conn.dialect.identifier_preparer.format_table(table)\n"
    "    conn.execute(text(f'TRUNCATE {name}'))",
    "def q(op):\n    for trigger in ('a', 'b'):\n        op.execute(f'DROP TRIGGER IF EXISTS {trigger}')",
    "def q(session, table):\n    return session.execute(select(table).where(table.c.id == 1))",
])
def test_the_sql_scan_passes_parameters_constants_and_quoted_identifiers(source: str) -> None:
    assert scan(source)[1] == [], source


def test_secrets_and_signatures_are_compared_in_constant_time() -> None:
    found = [str(f) for path, tree in source_files() for f in secret_comparisons(tree, path)]
    assert found == [], "use hmac.compare_digest:\n" + "\n".join(found)


def test_sql_text_is_never_built_from_runtime_values() -> None:
    found = [str(f) for path, tree in source_files() for f in string_built_sql(tree, path)
             if (f.path, f.function) not in SQL_ALLOWED]
    assert found == [], "bind values as parameters (or quote identifiers with the dialect's preparer):\n" + \
        "\n".join(found)
