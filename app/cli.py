"""The ``netra`` command: serve, migrate, manage keys/users/agencies, load demo data.

Commands parse arguments and print; the work is done by :mod:`app.services`, in sessions from
``app.db.session_scope()``. Settings come from ``NETRA_*`` variables as for the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app import cli_data
from app.roles import ROLES

if TYPE_CHECKING:
    from sqlmodel import Session

    from app.config import Settings

# The services (FastAPI, SQLAlchemy, Polars) are imported by the commands that use them, so that each
# command, `netra match` first, starts without loading the rest.

app = typer.Typer(
    help="Netra: cross-check ASN rosters against party-member and supporter lists.", no_args_is_help=True
)
keys_app = typer.Typer(help="API keys for other systems.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in to the web UI.", no_args_is_help=True)
agencies_app = typer.Typer(help="Agencies (instansi) that own rosters.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(agencies_app, name="agencies")
app.add_typer(db_app, name="db")
app.add_typer(cli_data.lists_app, name="lists")
app.add_typer(cli_data.rosters_app, name="rosters")
app.command("match")(cli_data.match_command)
app.command("worker")(cli_data.worker_command)

console = Console()
err = Console(stderr=True)

RoleOption = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}")]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="Agency code (operators only)")]


def load_settings() -> Settings:
    """Settings, or a clear message and exit code 2 when they are invalid (e.g. no secret in production)."""
    from pydantic import ValidationError

    from app.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "".join(f"NETRA_{part}".upper() for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            prefix = f"{field}: " if field else ""
            err.print(f"[red]Configuration error:[/red] {prefix}{message}", soft_wrap=True)
        raise typer.Exit(2) from exc


@contextmanager
def service_session() -> Iterator[Session]:
    """A session whose domain errors end the command with their message and exit code 1."""
    from app import db
    from app.errors import NetraError

    load_settings()
    try:
        with db.session_scope() as session:
            yield session
    except NetraError as exc:
        err.print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


# --- serve and migrate ------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Run the HTTP server (migrate first: `netra db upgrade`)."""
    import uvicorn

    settings = load_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        log_config=None,  # app.logging configures JSON logs
        access_log=False,  # the request-id middleware logs each request
        log_level=settings.log_level.lower(),
        proxy_headers=False,  # X-Forwarded-For is read only from NETRA_TRUSTED_PROXIES
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app import db

    settings = load_settings()
    db.upgrade(settings.database_url, revision)
    console.print(f"Database at {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, or 'base'")] = "-1") -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from app import db

    settings = load_settings()
    db.downgrade(settings.database_url, revision)
    console.print(f"Database at {revision}.")


# --- keys -------------------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    role: RoleOption,
    agency: AgencyOption = None,
    name: Annotated[str | None, typer.Option("--name", help="What the key is for")] = None,
) -> None:
    """Create an API key. The key is printed once and cannot be shown again."""
    from app.services import auth

    with service_session() as session:
        key, plain = auth.create_api_key(
            session, role=role, name=name or f"{role}-key", agency_code=agency, actor="cli"
        )
    err.print(f"Created key {key.id} ({key.role}, prefix {key.prefix}). Store it now; it is not shown again:")
    typer.echo(plain)


@keys_app.command("revoke")
def keys_revoke(
    id_or_prefix: Annotated[str, typer.Argument(help="Key id, prefix or the key itself")],
) -> None:
    """Revoke an API key; requests with it are refused from now on."""
    from app.services import auth

    with service_session() as session:
        key = auth.revoke_api_key(session, id_or_prefix, actor="cli")
    console.print(f"Revoked key {key.id} (prefix {key.prefix}) at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC.")


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never the keys themselves)."""
    from app.services import auth

    with service_session() as session:
        keys = auth.list_api_keys(session)
    table = Table("id", "prefix", "name", "role", "agency", "last used", "revoked")
    for key in keys:
        table.add_row(
            str(key.id),
            key.prefix,
            key.name,
            key.role,
            str(key.agency_id or ""),
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


# --- users and agencies -----------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument()],
    role: RoleOption,
    agency: AgencyOption = None,
    password: Annotated[
        str | None, typer.Option(help="Prompted for (hidden) when not given", show_default=False)
    ] = None,
) -> None:
    """Create a web UI user with a password."""
    from app.services import auth

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with service_session() as session:
        user = auth.create_user(session, username=username, password=password, role=role, agency_code=agency)
    console.print(f"Created user {user.username} ({user.role}).")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument()],
    password: Annotated[
        str | None, typer.Option(help="Prompted for (hidden) when not given", show_default=False)
    ] = None,
) -> None:
    """Set a user's password; every session of theirs ends (they log in again everywhere)."""
    from app.services import auth

    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with service_session() as session:
        user = auth.set_password(session, username, password)
    console.print(f"Password of {user.username} set; their sessions are ended.")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Stop a user from logging in, and end every session of theirs at once."""
    from app.services import auth

    with service_session() as session:
        user = auth.set_user_active(session, username, False)
    console.print(f"Disabled {user.username}; their sessions are ended.")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument()]) -> None:
    """Let a disabled user log in again."""
    from app.services import auth

    with service_session() as session:
        user = auth.set_user_active(session, username, True)
    console.print(f"Enabled {user.username}.")


@agencies_app.command("create")
def agencies_create(code: Annotated[str, typer.Argument()], name: Annotated[str, typer.Argument()]) -> None:
    """Create an agency; CODE is short and unique (e.g. BKD3273)."""
    from app.services import agencies

    with service_session() as session:
        agency = agencies.create_agency(session, code=code, name=name)
    console.print(f"Created agency {agency.code}: {agency.name} (id {agency.id}).")


@agencies_app.command("letterhead")
def agencies_letterhead(
    code: Annotated[str, typer.Argument()],
    parent_body: Annotated[str | None, typer.Option(help='e.g. "PEMERINTAH KOTA CONTOH"')] = None,
    address: Annotated[str | None, typer.Option(help="Street, city, postcode, phone")] = None,
    city: Annotated[str | None, typer.Option(help="Where the agency's documents are signed")] = None,
    signatory: Annotated[str | None, typer.Option(help='e.g. "Kepala BKPSDM Kota Contoh"')] = None,
) -> None:
    """Set the letterhead of the documents the agency prints (an empty text clears a field)."""
    from app.services import agencies

    values = {"parent_body": parent_body, "address": address, "city": city, "signatory_title": signatory}
    with service_session() as session:
        agency = agencies.set_letterhead(session, code, values)
    console.print(f"Letterhead of {agency.code} set: {agency.parent_body or '-'} / {agency.name}.")


@agencies_app.command("list")
def agencies_list() -> None:
    """List agencies."""
    from app.services import agencies

    with service_session() as session:
        found = agencies.list_agencies(session)
    table = Table("id", "code", "name")
    for agency in found:
        table.add_row(str(agency.id), agency.code, agency.name)
    console.print(table)


# --- retention --------------------------------------------------------------------------------------


@app.command()
def purge(
    days: Annotated[
        int | None, typer.Option(min=1, help="Retention period in days (default: NETRA_RETENTION_DAYS)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing")
    ] = False,
) -> None:
    """Delete personal data no longer used once older than the retention period (UU PDP); run it daily."""
    from app.services import retention

    days = days or load_settings().retention_days
    if days is None:
        raise typer.BadParameter("give --days or set NETRA_RETENTION_DAYS")
    with service_session() as session:
        counts = retention.purge_expired(session, days=days, actor="cli")
        if dry_run:
            session.rollback()
        else:
            session.commit()
    verb = "Would delete" if dry_run else "Deleted"
    console.print(
        f"{verb} {counts.check_runs:,} replaced check runs with {counts.findings:,} findings, "
        f"{counts.list_entries:,} list entries, {counts.roster_entries:,} roster entries and "
        f"{counts.rejections:,} rejected rows older than {days} days."
    )


# --- demo -------------------------------------------------------------------------------------------


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the demo CSV files and new credentials")] = Path(
        "demo"
    ),
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data")] = 2024,
) -> None:
    """Load a synthetic demo data set (fake people only). Safe to run again."""
    from app.services import demo

    with service_session() as session:
        result = demo.run_demo(session, out, seed=seed)
    for line in result.created:
        console.print(f"[green]created[/green] {line}")
    for line in result.existing:
        console.print(f"[dim]exists[/dim]  {line}")
    for name, plain in result.new_keys.items():
        console.print(f"API key {name}: {plain}", soft_wrap=True)
    if result.new_keys:
        console.print(f"Keys saved in {out / 'credentials.txt'} (shown only now).")
    console.print(f"Demo files in {out}/. Web UI: log in as operator.demo / {demo.DEMO_PASSWORD}.")


if __name__ == "__main__":
    app()
