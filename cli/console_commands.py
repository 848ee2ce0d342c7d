"""``pantau serve`` (the web console) and ``pantau users ...`` (its accounts)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from cli import _fail, _ready_runtime, _require_database, _say, app
from config.settings import PROJECT_ROOT, get_settings

users_app = typer.Typer(help="Console accounts: add, disable, enable, reset-password.")
app.add_typer(users_app, name="users")


DEMO_PASSWORD = "demo-pantau-2026"  # printed by `pantau demo`; development databases only
DEMO_ACCOUNTS = (  # username, role, agency
    ("operator-demo", "operator", None),
    ("manajer-demo", "manager", None),
    ("pupr-demo", "opd", "PUPR"),
    ("perkim-demo", "opd", "PERKIM"),
    ("pimpinan-demo", "pimpinan", None),
)


def demo_accounts() -> None:
    """One console account per role on the demo's region, and how to log in (run by ``pantau demo``)."""
    from db.models import Role
    from services.accounts import AccountError, add_user

    settings = get_settings()
    runtime = _ready_runtime()
    try:
        for username, role, agency in DEMO_ACCOUNTS:
            try:
                add_user(
                    runtime,
                    username=username,
                    full_name=f"Demo {username.removesuffix('-demo')}",
                    role=Role(role),
                    region_code="64.08",
                    agency_code=agency,
                    password=DEMO_PASSWORD,
                    actor="system:demo",
                )
            except AccountError:
                continue  # made by an earlier demo on this database
    finally:
        runtime.close()
    default_sources = type(settings).model_fields["sources_file"].default
    serve = ".venv/bin/pantau serve"
    if settings.sources_file != default_sources:  # the demo's own sources, so the console shows them too
        shown = settings.sources_file
        shown = shown.relative_to(PROJECT_ROOT) if shown.is_relative_to(PROJECT_ROOT) else shown
        serve = f"PANTAU_SOURCES_FILE={shown} {serve}"
    _say(f"Konsol: {serve}, lalu buka http://{settings.web_host}:{settings.web_port}")
    for username, role, agency in DEMO_ACCOUNTS:
        _say(f"  {role}{' ' + agency if agency else ''}: {username} / {DEMO_PASSWORD}")


def _actor() -> str:
    return f"user:{getpass.getuser()}"


def _new_password(password: str | None) -> str:
    """The password from --password, or asked twice without echo."""
    if password:
        return password
    first = getpass.getpass("Kata sandi baru: ")
    if first != getpass.getpass("Ulangi kata sandi: "):
        _fail("kedua kata sandi tidak sama")
    return first


@app.command()
def serve() -> None:
    """Run the web console (PANTAU_WEB_HOST, PANTAU_WEB_PORT, PANTAU_WEB_WORKERS; PANTAU_SECRET_KEY)."""
    import uvicorn

    _require_database()
    settings = get_settings()  # refuses production with the development secret, in one line
    _say(f"Konsol Pantau di http://{settings.web_host}:{settings.web_port} (Ctrl-C untuk berhenti)")
    uvicorn.run(
        "web.app:app_from_settings",
        factory=True,
        host=settings.web_host,
        port=settings.web_port,
        workers=settings.web_workers,
        log_level="warning",
        proxy_headers=True,
    )


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="operator, manager, opd, pimpinan")],
    region: Annotated[
        str, typer.Option(help="Region code, e.g. 64.08; a province code (64) for a province user")
    ],
    name: Annotated[str, typer.Option(help="Full name")] = "",
    opd: Annotated[str | None, typer.Option(help="Agency code (OPD accounts only)")] = None,
    password: Annotated[str | None, typer.Option(help="Password (default: asked without echo)")] = None,
) -> None:
    """Create a console account."""
    from db.models import Role
    from services.accounts import add_user

    try:
        chosen = Role(role)
    except ValueError:
        _fail(f"peran {role!r} tidak dikenal; pilih: {', '.join(r.value for r in Role)}")
    runtime = _ready_runtime()
    try:
        account = add_user(
            runtime,
            username=username,
            full_name=name or username,
            role=chosen,
            region_code=region,
            agency_code=opd,
            password=_new_password(password),
            actor=_actor(),
        )
    finally:
        runtime.close()
    where = f"provinsi {region}, mulai di {account.region_code}" if "." not in region else account.region_code
    _say(f"akun {account.username} ({account.role.value}, wilayah {where}) dibuat")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Disable an account (its history stays)."""
    from services.accounts import set_active

    runtime = _ready_runtime()
    try:
        set_active(runtime, username, active=False, actor=_actor())
    finally:
        runtime.close()
    _say(f"akun {username} dinonaktifkan")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again."""
    from services.accounts import set_active

    runtime = _ready_runtime()
    try:
        set_active(runtime, username, active=True, actor=_actor())
    finally:
        runtime.close()
    _say(f"akun {username} diaktifkan")


@users_app.command("reset-password")
def users_reset_password(
    username: Annotated[str, typer.Argument()],
    password: Annotated[str | None, typer.Option(help="New password (default: asked without echo)")] = None,
) -> None:
    """Set a new password (clears a lock-out)."""
    from services.accounts import reset_password

    runtime = _ready_runtime()
    try:
        reset_password(runtime, username, _new_password(password), actor=_actor())
    finally:
        runtime.close()
    _say(f"kata sandi {username} diganti")
