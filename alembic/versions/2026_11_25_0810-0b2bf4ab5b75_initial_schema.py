"""initial schema

Revision ID: 0b2bf4ab5b75
Revises:
Create Date: 2026-11-25 08:10:52.452667+00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0b2bf4ab5b75"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_code"), ["code"], unique=True)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_available", ["status", "available_at"], unique=False)

    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_type", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("election", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.Column("active_version_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
    )
    with op.batch_alter_table("lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lists_active_version_id"), ["active_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lists_election"), ["election"], unique=False)
        batch_op.create_index(batch_op.f("ix_lists_list_type"), ["list_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_lists_owner"), ["owner"], unique=False)

    op.create_table(
        "rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejections")),
    )
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.create_index("ix_rejections_source_version", ["source", "version_id", "line"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_api_keys_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_prefix"), ["prefix"], unique=True)

    op.create_table(
        "list_versions",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_processed", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("blank", sa.Integer(), nullable=False),
        sa.Column("column_map", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_list_versions_list_id_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_versions")),
    )
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_versions_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_versions_status"), ["status"], unique=False)

    op.create_table(
        "misuse_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nik_masked", sa.String(length=16), nullable=False),
        sa.Column("nik_digest", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.String(length=4000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_note", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_misuse_reports_list_id_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_misuse_reports")),
    )
    with op.batch_alter_table("misuse_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_misuse_reports_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_misuse_reports_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_misuse_reports_nik_digest"), ["nik_digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_misuse_reports_status"), ["status"], unique=False)

    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active_version_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_rosters_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rosters")),
    )
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rosters_active_version_id"), ["active_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rosters_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_users_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_username"), ["username"], unique=True)

    op.create_table(
        "list_entries",
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("nik_raw", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("regency", sa.String(length=4), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("numeric_cell", sa.Boolean(), nullable=False),
        sa.Column("nik_k1", sa.String(length=16), nullable=True),
        sa.Column("nik_k2", sa.String(length=16), nullable=True),
        sa.Column("nik_k3", sa.String(length=16), nullable=True),
        sa.Column("nik_k4", sa.String(length=16), nullable=True),
        sa.Column("nik15", sa.String(length=15), nullable=True),
        sa.Column("person_key", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("kta", sa.String(length=64), nullable=True),
        sa.Column("occupation", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name=op.f("fk_list_entries_version_id_list_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_k1", ["nik_k1", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_k2", ["nik_k2", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_k3", ["nik_k3", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_k4", ["nik_k4", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_nik15", ["nik15", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_nik_version", ["nik", "version_id"], unique=False)
        batch_op.create_index("ix_list_entries_person_key", ["person_key", "version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_entries_version_id"), ["version_id"], unique=False)

    op.create_table(
        "roster_versions",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_processed", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("blank", sa.Integer(), nullable=False),
        sa.Column("column_map", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_roster_versions_roster_id_rosters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_versions")),
    )
    with op.batch_alter_table("roster_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_versions_roster_id"), ["roster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_versions_status"), ["status"], unique=False)

    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("roster_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("previous_run_id", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_matched", sa.Integer(), nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_check_runs_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["roster_id"], ["rosters.id"], name=op.f("fk_check_runs_roster_id_rosters")),
        sa.ForeignKeyConstraint(
            ["roster_version_id"],
            ["roster_versions.id"],
            name=op.f("fk_check_runs_roster_version_id_roster_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_runs")),
    )
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_runs_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_runs_roster_id"), ["roster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_runs_status"), ["status"], unique=False)

    op.create_table(
        "roster_entries",
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("nik_raw", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("regency", sa.String(length=4), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("numeric_cell", sa.Boolean(), nullable=False),
        sa.Column("nik_k1", sa.String(length=16), nullable=True),
        sa.Column("nik_k2", sa.String(length=16), nullable=True),
        sa.Column("nik_k3", sa.String(length=16), nullable=True),
        sa.Column("nik_k4", sa.String(length=16), nullable=True),
        sa.Column("nik15", sa.String(length=15), nullable=True),
        sa.Column("person_key", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("unit", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["roster_versions.id"], name=op.f("fk_roster_entries_version_id_roster_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entries")),
    )
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.create_index("ix_roster_entries_nik_version", ["nik", "version_id"], unique=False)
        batch_op.create_index("ix_roster_entries_person_key", ["person_key", "version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_entries_version_id"), ["version_id"], unique=False)

    op.create_table(
        "check_run_lists",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["list_versions.id"],
            name=op.f("fk_check_run_lists_list_version_id_list_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["check_runs.id"], name=op.f("fk_check_run_lists_run_id_check_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "list_version_id", name=op.f("pk_check_run_lists")),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("roster_entry_id", sa.Integer(), nullable=False),
        sa.Column("list_entry_id", sa.Integer(), nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("pair_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("match_class", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("review_reason", sa.String(length=1000), nullable=True),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_findings_agency_id_agencies")),
        sa.ForeignKeyConstraint(
            ["list_entry_id"], ["list_entries.id"], name=op.f("fk_findings_list_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["list_version_id"], ["list_versions.id"], name=op.f("fk_findings_list_version_id_list_versions")
        ),
        sa.ForeignKeyConstraint(
            ["roster_entry_id"],
            ["roster_entries.id"],
            name=op.f("fk_findings_roster_entry_id_roster_entries"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["check_runs.id"], name=op.f("fk_findings_run_id_check_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint(
            "run_id",
            "roster_entry_id",
            "list_entry_id",
            name=op.f("uq_findings_run_id_roster_entry_id_list_entry_id"),
        ),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_match_class"), ["match_class"], unique=False)
        batch_op.create_index("ix_findings_pair_key", ["pair_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_review_status"), ["review_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_run_id"), ["run_id"], unique=False)
        batch_op.create_index("ix_findings_run_score", ["run_id", "score"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_run_score")
        batch_op.drop_index(batch_op.f("ix_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_findings_review_status"))
        batch_op.drop_index("ix_findings_pair_key")
        batch_op.drop_index(batch_op.f("ix_findings_match_class"))
        batch_op.drop_index(batch_op.f("ix_findings_kind"))
        batch_op.drop_index(batch_op.f("ix_findings_agency_id"))

    op.drop_table("findings")
    op.drop_table("check_run_lists")
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_entries_version_id"))
        batch_op.drop_index("ix_roster_entries_person_key")
        batch_op.drop_index("ix_roster_entries_nik_version")

    op.drop_table("roster_entries")
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_runs_status"))
        batch_op.drop_index(batch_op.f("ix_check_runs_roster_id"))
        batch_op.drop_index(batch_op.f("ix_check_runs_agency_id"))

    op.drop_table("check_runs")
    with op.batch_alter_table("roster_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_versions_status"))
        batch_op.drop_index(batch_op.f("ix_roster_versions_roster_id"))

    op.drop_table("roster_versions")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_entries_version_id"))
        batch_op.drop_index("ix_list_entries_person_key")
        batch_op.drop_index("ix_list_entries_nik_version")
        batch_op.drop_index("ix_list_entries_nik15")
        batch_op.drop_index("ix_list_entries_k4")
        batch_op.drop_index("ix_list_entries_k3")
        batch_op.drop_index("ix_list_entries_k2")
        batch_op.drop_index("ix_list_entries_k1")

    op.drop_table("list_entries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_username"))
        batch_op.drop_index(batch_op.f("ix_users_agency_id"))

    op.drop_table("users")
    with op.batch_alter_table("rosters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rosters_agency_id"))
        batch_op.drop_index(batch_op.f("ix_rosters_active_version_id"))

    op.drop_table("rosters")
    with op.batch_alter_table("misuse_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_misuse_reports_status"))
        batch_op.drop_index(batch_op.f("ix_misuse_reports_nik_digest"))
        batch_op.drop_index(batch_op.f("ix_misuse_reports_list_id"))
        batch_op.drop_index(batch_op.f("ix_misuse_reports_created_at"))

    op.drop_table("misuse_reports")
    with op.batch_alter_table("list_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_versions_status"))
        batch_op.drop_index(batch_op.f("ix_list_versions_list_id"))

    op.drop_table("list_versions")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_prefix"))
        batch_op.drop_index(batch_op.f("ix_api_keys_agency_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.drop_index("ix_rejections_source_version")

    op.drop_table("rejections")
    with op.batch_alter_table("lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lists_owner"))
        batch_op.drop_index(batch_op.f("ix_lists_list_type"))
        batch_op.drop_index(batch_op.f("ix_lists_election"))
        batch_op.drop_index(batch_op.f("ix_lists_active_version_id"))

    op.drop_table("lists")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status_available")

    op.drop_table("jobs")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_agency_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_code"))

    op.drop_table("agencies")
