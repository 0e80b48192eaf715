"""drop the blocking-key columns: candidates come from NIK variants now

``nik_k1``..``nik_k4``, ``nik15`` and ``person_key`` held the keys of the former ``matching.blocking``, so
that a check run could generate candidates by joining on them. The bulk engine (``matching.engine``)
expands each roster NIK into its one-edit variants and joins them to the list's NIKs, and computes the
birth-date keys from the stored NIK, birth date and regency itself; on files shaped like real exports the
NIK windows put millions of near-NIK strangers into one block. Nothing reads these columns any more, and
their indexes were most of a list upload's cost: four of the seven B-trees every row of ``list_entries``
was inserted into.

The downgrade adds the columns back and computes them from the stored columns in SQL: the NIK keys and
``nik15`` exactly; ``person_key`` as the former code did, except that a roster row's NIP is taken at its
word for the birth date (a NIP whose first eight digits are no real date gave the NIK's instead).

Revision ID: 9d4b2e6a1c73
Revises: 7b3c9e1f2a68
Create Date: 2026-12-03 17:00:00.000000+00:00

"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "9d4b2e6a1c73"
down_revision: str | Sequence[str] | None = "7b3c9e1f2a68"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("list_entries", "roster_entries")
KEYS = ("nik_k1", "nik_k2", "nik_k3", "nik_k4")
INDEXES = {
    "list_entries": ("ix_list_entries_k1", "ix_list_entries_k2", "ix_list_entries_k3", "ix_list_entries_k4",
                     "ix_list_entries_person_key"),
    "roster_entries": ("ix_roster_entries_person_key",),
}  # fmt: skip
UNTRUSTED = ("unknown_region", "impossible_birth_date", "serial_zero", "placeholder")


def upgrade() -> None:
    for table in TABLES:
        for index in INDEXES[table]:
            op.drop_index(index, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in (*KEYS, "nik15", "person_key"):
                batch_op.drop_column(column)


def _text_of(key: sa.types.TypeEngine[object], length: int) -> sa.types.TypeEngine[object]:
    return key if op.get_bind().dialect.name != "postgresql" else sa.String(length, collation="C")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in KEYS:
                batch_op.add_column(sa.Column(column, sa.BigInteger(), nullable=True))
            batch_op.add_column(sa.Column("nik15", _text_of(sa.String(15), 15), nullable=True))
            batch_op.add_column(sa.Column("person_key", _text_of(sa.String(64), 64), nullable=True))
    cast = "bigint" if postgres else "INTEGER"
    windows = ("substr(nik, 6)", "substr(nik, 1, 4) || substr(nik, 10)", "substr(nik, 1, 8) || substr(nik, 14)",
               "substr(nik, 1, 12)")  # fmt: skip
    sets = ", ".join(f"{key} = CAST('{i}' || {window} AS {cast})" for i, (key, window) in enumerate(zip(KEYS, windows), 1))
    two = (lambda x: f"lpad(CAST({x} AS text), 2, '0')") if postgres else (lambda x: f"printf('%02d', {x})")
    day = "CAST(substr(nik, 7, 2) AS INTEGER)"
    real_day = f"(CASE WHEN {day} > 40 THEN {day} - 40 ELSE {day} END)"
    gender = f"(CASE WHEN {day} > 40 THEN 'F' ELSE 'M' END)"
    trusted = " AND ".join(f"flags NOT LIKE '%{flag}%'" for flag in UNTRUSTED)
    g_from_nik = f"'G' || {two(real_day)} || substr(nik, 9, 4) || {gender}"
    ymd = "to_char(birth_date, 'YYYYMMDD')" if postgres else "strftime('%Y%m%d', birth_date)"
    pivot = date.today().year % 100
    yy = "CAST(substr(nik, 11, 2) AS INTEGER)"
    nik_ymd = f"(CASE WHEN {yy} <= {pivot} THEN '20' ELSE '19' END) || substr(nik, 11, 2) || substr(nik, 9, 2) || {two(real_day)}"
    for table in TABLES:
        op.execute(f"UPDATE {table} SET {sets}, nik15 = substr(nik, 1, 15) WHERE nik IS NOT NULL")
    op.execute(
        f"UPDATE list_entries SET person_key = CASE "
        f"WHEN nik IS NOT NULL AND {trusted} THEN {g_from_nik} "
        f"WHEN nik IS NULL AND birth_date IS NOT NULL AND regency IS NOT NULL THEN 'R' || {ymd} || regency "
        f"END"
    )
    nip_gender = "(CASE substr(nip, 15, 1) WHEN '1' THEN 'M' WHEN '2' THEN 'F' END)"
    op.execute(
        f"UPDATE roster_entries SET person_key = CASE "
        f"WHEN nik IS NOT NULL AND nip IS NOT NULL THEN 'R' || substr(nip, 1, 8) || substr(nik, 1, 4) "
        f"WHEN nik IS NOT NULL AND {trusted} THEN 'R' || {nik_ymd} || substr(nik, 1, 4) "
        f"WHEN nik IS NULL AND nip IS NOT NULL THEN 'G' || substr(nip, 7, 2) || substr(nip, 5, 2) "
        f"|| substr(nip, 3, 2) || {nip_gender} END"
    )
    for table in TABLES:
        for index in INDEXES[table]:
            column = "person_key" if index.endswith("person_key") else f"nik_k{index[-1]}"
            op.create_index(index, table, [column, "version_id"], unique=False)
