"""Command-line front door: the GUI by default, plus demo, db and staff commands.

Every error a user can cause (bad URL, unreachable server, a database from a newer version,
bad input) ends with one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from wardconsole import __version__
from wardconsole.config import (
    Settings,
    SettingsError,
    data_path,
    default_db_url,
    demo_db_url,
    folder_problem,
    log_path,
)
from wardconsole.private_files import open_private

if TYPE_CHECKING:
    from wardconsole.store.backup import BackupResult

EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_REFUSED = 4


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wardconsole",
        description="WardConsole: the ketamine-detox ward console.",
    )
    parser.add_argument("--version", action="version", version=f"WardConsole {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL or SQLite file "
        "(default: $WARDCONSOLE_DB, else a file in your data directory)",
    )
    parser.add_argument("--station", help="this station's name (default: the host name)")
    parser.add_argument(
        "--demo", action="store_true", help="start on a fresh demo ward (a separate SQLite file)"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the console, load the census, close it and exit (smoke test)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="start the console (the default)")
    gui.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    demo = commands.add_parser("demo", help="fill a database with a synthetic demo ward")
    demo.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    demo.add_argument("--beds", type=int, default=20)
    demo.add_argument("--days", type=int, default=10)
    demo.add_argument("--seed", type=int, default=7)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    init = db_commands.add_parser(
        "init",
        help="create a new ward database (an SQLite file, or the schema in an empty "
        "PostgreSQL database); the console never creates one by itself",
    )
    init.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    upgrade = db_commands.add_parser(
        "upgrade", help="apply schema migrations to an existing database"
    )
    upgrade.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    roles = db_commands.add_parser(
        "roles",
        help="PostgreSQL: create the stations' application role and grant it least privilege "
        "(run as the schema owner, after db upgrade; again after every upgrade)",
    )
    roles.add_argument("--app-role", metavar="NAME", required=True)
    secret = roles.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-file",
        metavar="FILE",
        type=Path,
        help="read the role's new password from this owner-only (0600) file",
    )
    secret.add_argument(
        "--keep-password",
        action="store_true",
        help="leave the role's password as it is (default: ask for a new one)",
    )
    roles.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    backup = db_commands.add_parser(
        "backup", help="write a consistent backup while consoles keep working (restore: see README)"
    )
    backup.add_argument("--out", metavar="FILE", required=True, type=Path)
    backup.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    export = commands.add_parser(
        "export",
        help="export a patient's record or the ward "
        "(FHIR R4 bundle .json, or .csv of observations)",
    )
    export.add_argument("--out", metavar="FILE", required=True, type=Path)
    export.add_argument(
        "--patient",
        metavar="HOSPITAL_NUMBER",
        help="every stay of this patient (default: everyone on the ward now)",
    )
    export.add_argument(
        "--format",
        choices=["fhir", "csv"],
        help="default: from the file name (.json = FHIR, .csv = CSV)",
    )
    export.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    imp = commands.add_parser(
        "import",
        help="import vital signs, weighings and food, fluid, bowel and sleep entries from a "
        "FHIR R4 JSON file (bundle, resource or NDJSON)",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--patient",
        metavar="HOSPITAL_NUMBER",
        help="whose record the file is, when it does not say (or to override it)",
    )
    imp.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    feed = commands.add_parser(
        "feed", help="receive bedside-monitor vitals: HL7 v2 ORU^R01 over MLLP"
    )
    feed.add_argument("--port", type=int, default=2575, help="TCP port (default 2575)")
    feed.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this computer only)",
    )
    feed.add_argument(
        "--allow",
        metavar="ADDRESS",
        action="append",
        default=[],
        help="a monitor's address or network (e.g. 10.2.0.0/24) allowed to send; repeat for "
        "several; required when --host is not this computer",
    )
    feed.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="monitors connected at once at most (default 32)",
    )
    feed.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    handoff = commands.add_parser(
        "handoff-report",
        help="print a shift's handoff as a PDF (ward summary, then one page per patient)",
    )
    handoff.add_argument(
        "--shift",
        metavar="START",
        required=True,
        help="the shift's start in ward time, e.g. 2026-11-25T19:00, or 'current' / 'last'",
    )
    handoff.add_argument("--out", metavar="FILE", required=True, type=Path)
    handoff.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    audit = commands.add_parser("audit", help="tamper evidence: seal, anchor and verify")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="walk the hash chain and the clinical entries; name the first row that does not "
        "match (exit status 5)",
    )
    verify.add_argument(
        "--since-anchor",
        action="store_true",
        help="check only what was sealed after the latest anchor (quick)",
    )
    verify.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    seal = audit_commands.add_parser("seal", help="seal settled audit rows into the chain")
    seal.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    anchor = audit_commands.add_parser(
        "anchor",
        help="seal, then append the chain head to the anchors (PostgreSQL: the owner's "
        "connection) and print it to keep elsewhere",
    )
    anchor.add_argument(
        "--file",
        metavar="FILE",
        type=Path,
        help="also append the head to this file (keep it on another host)",
    )
    anchor.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    staff = commands.add_parser("staff", help="staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = staff_commands.add_parser("add", help="add a staff account (asks for the password)")
    add.add_argument("staff_code")
    add.add_argument("display_name")
    add.add_argument(
        "--role", choices=["nurse", "clinician", "supervisor", "readonly"], default="nurse"
    )
    _staff_auth_arguments(add)
    reset = staff_commands.add_parser(
        "reset-password", help="set a new password and lift a sign-in lock (asks for it)"
    )
    reset.add_argument("staff_code")
    _staff_auth_arguments(reset)

    policy = commands.add_parser(
        "policy", help="the ward's local policy: which one every station must run"
    )
    policy_commands = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    status = policy_commands.add_parser(
        "status", help="this installation's policy files against the ward's (exit status 6 if not)"
    )
    status.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    adopt = policy_commands.add_parser(
        "adopt",
        help="make this installation's policy files the ward's (a supervisor signs in at the "
        "prompt); stations on other files stop running the time-driven alarms",
    )
    adopt.add_argument("--reason", required=True, help="the reviewed change this adopts")
    adopt.add_argument("--supervisor", metavar="ID", help="the supervisor who authorises it")
    adopt.add_argument(
        "--password-stdin", action="store_true", help="read the supervisor's password from stdin"
    )
    adopt.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    return parser


def _staff_auth_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--supervisor",
        metavar="ID",
        help="the supervisor who authorises the change and signs in at the prompt "
        "(needed whenever a supervisor can sign in)",
    )
    command.add_argument(
        "--password-stdin",
        action="store_true",
        help="read passwords from standard input, one per line: the supervisor's first "
        "(when one is needed), then the new one",
    )
    command.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)


def _open_database(settings: Settings, *, create: bool = False):
    """The ward database, migrated; a missing one is refused unless ``create``."""
    from wardconsole.services.db import Database
    from wardconsole.store.engine import open_ward

    engine = open_ward(settings.db_url, create=create)
    return Database(engine, ward_timezone=settings.ward_timezone)


def init_command(settings: Settings) -> str:
    """The command that creates the database ``settings`` name."""
    if settings.db_url == default_db_url():
        return "wardconsole db init"
    from wardconsole.store.engine import describe_location, parse_url

    return f"wardconsole db init --db {shlex.quote(describe_location(parse_url(settings.db_url)))}"


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.demo import DemoOptions, build_demo_ward, sign_in_text

    if not 1 <= args.beds <= 200:
        raise CliError("--beds must be between 1 and 200", EXIT_USAGE)
    if not 1 <= args.days <= 60:
        raise CliError("--days must be between 1 and 60", EXIT_USAGE)
    db = _open_database(settings, create=True)

    def progress(done: int, total: int, what: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {done}/{total} {what:<24}", end="", file=sys.stderr, flush=True)

    try:
        build_demo_ward(db, DemoOptions(beds=args.beds, days=args.days, seed=args.seed), progress)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    print(file=sys.stderr)
    print(f"Demo ward ready in {settings.db_url}")
    print(sign_in_text())
    return 0


def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.store.engine import (
        NoWardDatabase,
        current_revision,
        describe_location,
        make_engine,
        parse_url,
        upgrade,
    )

    if args.db_command == "init":
        return _cmd_db_init(settings)
    if args.db_command == "backup":
        from wardconsole.store.backup import backup_database

        result = backup_database(settings.db_url, args.out)
        print(f"Backup written to {result.path} ({result.size_bytes:,} bytes, {result.method})")
        return _audit_backup(settings, result)
    if args.db_command == "roles":
        return _cmd_db_roles(args, settings)
    if not _exists(settings.db_url):
        raise NoWardDatabase(describe_location(parse_url(settings.db_url)))
    engine = make_engine(settings.db_url)
    try:
        applied = upgrade(engine)
        state = "upgraded to" if applied else "already at"
        print(f"Database {state} schema revision {current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def _audit_backup(settings: Settings, result: BackupResult) -> int:
    """Record the backup in the audit trail as the system account, with who ran it where."""
    from wardconsole.services.audit import AuditService
    from wardconsole.services.staff import CommandLineOrigin

    origin = CommandLineOrigin.here()
    try:
        db = _open_database(settings)
        try:
            AuditService(db).record_backup(
                _cli_actor(db, settings),
                file=str(result.path),
                size_bytes=result.size_bytes,
                method=result.method,
                origin={"os_user": origin.os_user, "host": origin.host},
            )
        finally:
            db.engine.dispose()
    except Exception as exc:  # the backup is written: say it is unaudited, do not hide it
        print(
            f"WARNING: the backup could not be recorded in the audit trail ({type(exc).__name__})",
            file=sys.stderr,
        )
        return EXIT_UNAUDITED
    return 0


def _cmd_db_init(settings: Settings) -> int:
    """A new ward database; one that is already there is left as it is, and said so."""
    from wardconsole.store.engine import (
        current_revision,
        describe_location,
        make_engine,
        open_ward,
        parse_url,
        stored_revision,
    )

    where = describe_location(parse_url(settings.db_url))
    existing = None
    if _exists(settings.db_url):
        engine = make_engine(settings.db_url)
        try:
            existing = stored_revision(engine)
        finally:
            engine.dispose()
    if existing is not None:
        print(
            f"A ward database is already at {where} (schema revision {existing}); nothing was "
            "created. `wardconsole db upgrade` brings its schema up to date."
        )
        return 0
    engine = open_ward(settings.db_url, create=True)
    try:
        print(f"New ward database at {where} (schema revision {current_revision(engine)})")
    finally:
        engine.dispose()
    db_option = "" if settings.db_url == default_db_url() else f" --db {shlex.quote(where)}"
    print(
        "Next, its first supervisor: "
        f'wardconsole{db_option} staff add ID "Full Name" --role supervisor'
    )
    return 0


def _exists(url: str) -> bool:
    """False only for an SQLite file that is not there (a server database is asked)."""
    from wardconsole.store.engine import parse_url

    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).is_file()


NO_SUPERVISOR_BANNER = """\
************************************************************************
  NO ACTIVE SUPERVISOR CAN SIGN IN TO THIS DATABASE.
  This change is made WITHOUT anyone signing in (first set-up or
  recovery). It is recorded with your operating-system user ({user})
  and host ({host}). Once a supervisor can sign in, staff commands
  ask for one.
************************************************************************"""


class _Answers:
    """Passwords from the terminal, or (``--password-stdin``) one per line of standard input."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self._lines = sys.stdin.read().splitlines() if from_stdin else None

    def secret(self, prompt: str, *, confirm: bool = False) -> str:
        if self._lines is not None:
            if not self._lines:
                raise CliError("standard input ended before every password was given")
            return self._lines.pop(0)
        value = getpass.getpass(prompt)
        if confirm and value != getpass.getpass("Repeat the password: "):
            raise CliError("the passwords do not match; nothing was saved")
        return value


def _supervisor_at_prompt(args: argparse.Namespace, settings: Settings, db, answers: _Answers):
    """Sign a supervisor in (throttled and audited like the console's sign-in screen)."""
    from wardconsole.domain.access import load_access_policy
    from wardconsole.services.auth import AuthService
    from wardconsole.services.context import Permission
    from wardconsole.services.sign_in import SignInRefused

    code = args.supervisor
    if not code:
        if answers.from_stdin:
            raise CliError("a supervisor must authorise this: give --supervisor ID")
        code = input("Supervisor staff ID (a supervisor must authorise this): ").strip()
    password = answers.secret(f"Password for supervisor {code}: ")
    station = f"cli@{settings.station}"[:64]
    try:
        actor = AuthService(db, load_access_policy()).sign_in(code, password, station).actor
    except SignInRefused as exc:
        raise CliError(f"not authorised, nothing changed: {exc}") from None
    if not actor.can(Permission.MANAGE_STAFF):
        raise CliError(f"{code} is not a supervisor; nothing changed")
    return actor


def _role_password(args: argparse.Namespace) -> str | None:
    if args.keep_password:
        return None
    if args.password_file is not None:
        path = args.password_file.expanduser()
        try:
            if path.stat().st_mode & 0o077:
                raise CliError(f"{path} can be read by others: chmod 600 it first")
            password = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        password = getpass.getpass(f"New password for database role {args.app_role}: ")
        if password != getpass.getpass("Repeat the password: "):
            raise CliError("the passwords do not match; nothing was changed")
    if len(password) < 16:
        raise CliError("a database role's password needs at least 16 characters")
    return password


def _cmd_db_roles(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.store.engine import make_engine, url_for
    from wardconsole.store.privileges import RolesError, grant_roles

    password = _role_password(args)
    engine = make_engine(settings.db_url)
    try:
        report = grant_roles(engine, args.app_role, password)
    except RolesError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    print(
        f"Role {report.app_role} {'created' if report.created else 'updated'} with least "
        f"privilege on schema {report.schema} (owner {report.owner}). Stations connect with "
        f"--db {url_for(engine.url, report.app_role)} and the password in ~/.pgpass (mode "
        f"0600); only {report.owner} runs db upgrade, then db roles again."
    )
    return 0


def _cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.context import Role, ServiceError
    from wardconsole.services.staff import CommandLineOrigin, StaffService

    db = _open_database(settings)
    staff = StaffService(db)
    origin = CommandLineOrigin.here()
    answers = _Answers(args.password_stdin)
    supervisor = None
    if staff.supervisor_can_sign_in():
        supervisor = _supervisor_at_prompt(args, settings, db, answers)
    else:
        print(NO_SUPERVISOR_BANNER.format(user=origin.os_user, host=origin.host), file=sys.stderr)
    password = answers.secret(f"New password for {args.staff_code}: ", confirm=True)
    try:
        if args.staff_command == "reset-password":
            staff_id = staff.staff_id_of(args.staff_code)
            staff.reset_password(supervisor, staff_id, password, origin=origin)
            print(f"New password set for {args.staff_code}; any sign-in lock is lifted")
            return 0
        staff.add(
            args.staff_code,
            args.display_name,
            Role(args.role),
            password,
            by=supervisor,
            origin=origin,
        )
    except ServiceError as exc:
        raise CliError(f"{exc}; nothing changed") from None
    print(f"Added {args.role} {args.staff_code} ({args.display_name})")
    return 0


EXIT_TAMPERED = 5
EXIT_POLICY_MISMATCH = 6
EXIT_UNAUDITED = 7
"""A backup was written but could not be recorded in the audit trail."""


def _cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.context import ServiceError
    from wardconsole.services.governance import GovernanceService, short

    db = _open_database(settings)
    governance = GovernanceService(db)
    try:
        if args.policy_command == "adopt":
            supervisor = _supervisor_at_prompt(args, settings, db, _Answers(args.password_stdin))
            try:
                status = governance.adopt(supervisor, args.reason)
            except ServiceError as exc:
                raise CliError(f"{exc}; nothing changed") from None
            print(f"The ward now runs {status.station_version} ({short(status.station_digest)})")
            return 0
        status = governance.status()
    finally:
        db.engine.dispose()
    print(f"These files: {status.station_version} ({short(status.station_digest)})")
    if status.ward_digest is None:
        print("The ward has no policy recorded yet: the first console to start records its own")
    else:
        print(
            f"The ward's:  {status.ward_version} ({short(status.ward_digest)}), adopted "
            f"{status.adopted_at:%Y-%m-%d %H:%M} UTC by {status.adopted_by} at "
            f"{status.adopted_station}"
        )
    if status.unsigned:
        print(status.unsigned_message)
    if not status.matches:
        print(status.mismatch_message, file=sys.stderr)
        return EXIT_POLICY_MISMATCH
    return 0


def _cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.audit import AuditService

    db = _open_database(settings)
    audit = AuditService(db)
    station = f"cli@{settings.station}"[:64]
    try:
        if args.audit_command == "seal":
            print(f"Sealed {audit.seal(station)} audit rows")
            return 0
        if args.audit_command == "anchor":
            anchor = audit.anchor(station)
            if anchor is None:
                print("Nothing sealed yet: no anchor written")
                return 0
            line = f"{anchor.anchored_at.isoformat()} block {anchor.block_id} {anchor.block_hash}"
            if args.file is not None:
                with open_private(args.file.expanduser(), "a") as out:
                    out.write(line + "\n")
            print(f"Anchored: {line}")
            return 0
        result = audit.verify(since_anchor=args.since_anchor)
    finally:
        db.engine.dispose()
    print(result.summary())
    for problem in result.problems[1:20]:
        print(f"  also: {problem}")
    return 0 if result.ok else EXIT_TAMPERED


def _progress_bar(done: int, total: int, what: str = "") -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} {what:<24}", end="", file=sys.stderr, flush=True)


def _cli_actor(db, settings: Settings):
    """Command-line imports and exports run as the system account from ``cli@<station>``; the
    audit row also records the operating-system user (see services.interop)."""
    from wardconsole.services.staff import StaffService

    return StaffService(db).system_actor(f"cli@{settings.station}"[:64])


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.interop.exporting import export_to_file
    from wardconsole.services.context import ServiceError

    db = _open_database(settings)
    try:
        result = export_to_file(
            db,
            _cli_actor(db, settings),
            args.out.expanduser(),
            hospital_number=args.patient,
            export_format=args.format,
        )
    except ServiceError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(result.summary())
    return 0


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.interop.fhir_import import FhirInputError, import_fhir_file
    from wardconsole.services.context import ServiceError

    db = _open_database(settings)
    actor = _cli_actor(db, settings)
    try:
        report = import_fhir_file(
            db,
            actor,
            args.file.expanduser(),
            patient=args.patient,
            progress=lambda done, total: _progress_bar(done, total, "sets"),
        )
    except FhirInputError as exc:
        raise CliError(f"{args.file.name}: nothing imported: {exc}") from None
    except ServiceError as exc:
        raise CliError(f"{args.file.name}: nothing imported: {exc}") from None
    print(file=sys.stderr)
    print(report.summary())
    for line in report.skipped_lines():
        print(line)
    if not (report.sets_added or report.already_present or report.patients_created):
        # A script must not take "0 imported" for success; a re-import that finds everything
        # already on record is fine (it is what makes an import safe to repeat).
        print(f"{args.file.name}: nothing imported", file=sys.stderr)
        return EXIT_REFUSED
    return 0


def _cmd_feed(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.interop.hl7_feed import MAX_CONNECTIONS, MonitorFeed

    if not 0 < args.port < 65536:
        raise CliError("--port must be between 1 and 65535", EXIT_USAGE)
    db = _open_database(settings)
    actor = _cli_actor(db, settings)
    try:
        feed = MonitorFeed(
            db,
            actor,
            host=args.host,
            port=args.port,
            on_outcome=lambda o: print(
                f"{o.control_id or '(no id)'}: {o.code} {o.log_text}", file=sys.stderr, flush=True
            ),
            allowed_senders=args.allow,
            max_connections=(
                MAX_CONNECTIONS if args.max_connections is None else args.max_connections
            ),
        )
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = feed.address
    print(
        f"Listening for HL7 v2 ORU^R01 over MLLP on {host}:{port} (Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )
    try:
        feed.serve_forever()
    except KeyboardInterrupt:
        print("Stopped listening", file=sys.stderr)
    finally:
        feed.stop()
    return 0


def _cmd_handoff_report(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.reports.handoff_pdf import build_handoff_pdf
    from wardconsole.services.census import CensusService
    from wardconsole.services.context import InvalidInput
    from wardconsole.services.handoff import HandoffService

    db = _open_database(settings)
    try:
        shift = HandoffService(db).shift_from_text(args.shift)
    except InvalidInput as exc:
        raise CliError("; ".join(exc.problems.values()), EXIT_USAGE) from None
    except ValueError as exc:  # an unknown ward time zone
        raise CliError(str(exc), EXIT_USAGE) from None
    if shift.start > db.clock():
        raise CliError(f"the {shift.label} has not started yet", EXIT_USAGE)

    def progress(done: int, total: int, what: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {done}/{total} {what:<24}", end="", file=sys.stderr, flush=True)

    try:
        path = build_handoff_pdf(
            db,
            shift,
            args.out,
            ward_name=CensusService(db).ward_name(),
            actor=_cli_actor(db, settings),
            progress=progress,
        )
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(file=sys.stderr)
    print(f"Handoff for the {shift.label} written to {path}")
    return 0


def _cmd_gui(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.app import run_gui

    def explain_line(exc: BaseException) -> str | None:
        explained = explain(exc, settings)
        return explained[0] if explained is not None else None

    return run_gui(settings, demo=args.demo, self_test=args.self_test, explain=explain_line)


def explain(exc: BaseException, settings: Settings) -> tuple[str, int] | None:
    """A problem a user can cause or meet, as one line and an exit status; None for a bug."""
    from wardconsole.store.engine import DatabaseError, NoWardDatabase

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if isinstance(exc, NoWardDatabase):
        return f"{exc} — create one with `{init_command(settings)}`", EXIT_DATABASE
    if isinstance(exc, DatabaseError):
        return str(exc), EXIT_DATABASE
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return f"database error: {reason}", EXIT_DATABASE
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}", EXIT_DATABASE
    if isinstance(exc, OSError) and exc.filename:
        folder = Path(str(exc.filename))
        for what, home in (("data", data_path()), ("log", log_path())):
            if folder == home or home in folder.parents:
                return f"{folder_problem(what, folder, exc)}; nothing was changed", EXIT_REFUSED
        reason = exc.strerror or type(exc).__name__
        return f"cannot use {exc.filename} ({reason}): nothing was changed", EXIT_REFUSED
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if argv is None:  # a real run (tests pass argv and keep their own logging)
        from wardconsole.logging_setup import install_excepthook, setup_logging

        install_excepthook(setup_logging())
    demo_gui = bool(getattr(args, "demo", False)) and args.command in (None, "gui")
    db = getattr(args, "db", None)
    if demo_gui and db is None:
        db = demo_db_url()
    try:
        settings = Settings.resolve(db=db, station=args.station)
    except SettingsError as exc:
        print(f"wardconsole: {exc}", file=sys.stderr)
        return EXIT_USAGE
    handlers = {
        "demo": _cmd_demo,
        "db": _cmd_db,
        "staff": _cmd_staff,
        "policy": _cmd_policy,
        "audit": _cmd_audit,
        "export": _cmd_export,
        "import": _cmd_import,
        "feed": _cmd_feed,
        "handoff-report": _cmd_handoff_report,
    }
    handler = handlers.get(args.command or "gui", _cmd_gui)
    args.demo = demo_gui
    try:
        return handler(args, settings)
    except Exception as exc:
        explained = explain(exc, settings)
        if explained is None:
            raise
        print(f"wardconsole: {explained[0]}", file=sys.stderr)
        return explained[1]
    except KeyboardInterrupt:
        print("wardconsole: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
