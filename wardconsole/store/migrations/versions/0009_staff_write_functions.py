"""PostgreSQL: staff accounts change only through functions that check a supervisor and audit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:45:00

Stations connect as an application role with no write access to ``staff`` (see
``store.privileges`` and ``wardconsole db roles``). Their supervisors still manage nurses' and
read-only accounts through these SECURITY DEFINER functions, owned by the schema owner, which

- check that the acting staff ID is an active supervisor *in the database* (a forged in-memory
  role reads nothing);
- never create, change or deactivate a supervisor or the automatic account (the owner's
  connection does that: ``wardconsole --db OWNER_URL staff ...``), so station credentials
  cannot take over a supervisor account or raise anyone to supervisor;
- write the audit row themselves, in the same transaction, so no client can skip it.

The database cannot check the supervisor's password (stock PostgreSQL has no scrypt), so a
station with valid credentials can still name any supervisor as the actor; the audit row shows
it, like any other entry made in someone's name. Table names are schema-qualified and the
search path is pinned, so a temporary table cannot shadow ``staff`` inside these functions.
SQLite has one user and no roles: nothing to do there.
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FUNCTIONS = (
    'wardconsole_add_staff(integer, text, timestamptz, text, text, text, text, json)',
    'wardconsole_set_staff_active(integer, text, timestamptz, integer, boolean, json)',
    'wardconsole_set_staff_password(integer, text, timestamptz, integer, text, json)',
    'wardconsole_upgrade_password_hash(integer, text, text)',
    'wardconsole_system_account(timestamptz)',
)


def _body(schema: str) -> list[str]:
    s = f'"{schema}"'
    settings = f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {s}, pg_temp"
    check_actor = f"""
        IF NOT EXISTS (SELECT 1 FROM {s}.staff
                       WHERE id = p_actor AND role = 'supervisor' AND active) THEN
            RAISE EXCEPTION 'only an active supervisor may change staff accounts'
                USING ERRCODE = 'insufficient_privilege';
        END IF;"""
    check_target = f"""
        SELECT role INTO target_role FROM {s}.staff WHERE id = p_staff_id;
        IF target_role IS NULL OR target_role = 'system' THEN
            RAISE EXCEPTION 'staff account % does not exist', p_staff_id
                USING ERRCODE = 'no_data_found';
        END IF;
        IF target_role = 'supervisor' THEN
            RAISE EXCEPTION 'a supervisor account is changed with the database owner''s connection (wardconsole --db OWNER_URL staff ...)'
                USING ERRCODE = 'insufficient_privilege';
        END IF;"""
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.wardconsole_add_staff(
            p_actor integer, p_station text, p_at timestamptz, p_code text, p_name text,
            p_role text, p_hash text, p_detail json) RETURNS integer {settings} AS $$
        DECLARE new_id integer;
        BEGIN
            {check_actor}
            IF p_role NOT IN ('nurse', 'readonly') THEN
                RAISE EXCEPTION 'a supervisor account is added with the database owner''s connection (wardconsole --db OWNER_URL staff add ...)'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            INSERT INTO {s}.staff (staff_code, display_name, role, password_hash, active,
                                   failed_logins, created_at)
                VALUES (p_code, p_name, p_role, p_hash, true, 0, p_at) RETURNING id INTO new_id;
            INSERT INTO {s}.audit_log (at, staff_id, station, action, entity, entity_id, detail)
                VALUES (p_at, p_actor, p_station, 'add_staff', 'staff', new_id, p_detail);
            RETURN new_id;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.wardconsole_set_staff_active(
            p_actor integer, p_station text, p_at timestamptz, p_staff_id integer,
            p_active boolean, p_detail json) RETURNS void {settings} AS $$
        DECLARE target_role text;
        BEGIN
            {check_actor}
            {check_target}
            UPDATE {s}.staff SET active = p_active WHERE id = p_staff_id;
            INSERT INTO {s}.audit_log (at, staff_id, station, action, entity, entity_id, detail)
                VALUES (p_at, p_actor, p_station,
                        CASE WHEN p_active THEN 'reactivate_staff' ELSE 'deactivate_staff' END,
                        'staff', p_staff_id, p_detail);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.wardconsole_set_staff_password(
            p_actor integer, p_station text, p_at timestamptz, p_staff_id integer,
            p_hash text, p_detail json) RETURNS void {settings} AS $$
        DECLARE target_role text;
        BEGIN
            {check_actor}
            {check_target}
            UPDATE {s}.staff SET password_hash = p_hash WHERE id = p_staff_id;
            INSERT INTO {s}.audit_log (at, staff_id, station, action, entity, entity_id, detail)
                VALUES (p_at, p_actor, p_station, 'reset_password', 'staff', p_staff_id,
                        p_detail);
        END $$""",
        # A stronger hash of a just-verified password; never for supervisors (whose hashes
        # the owner's connection upgrades), since the database cannot check the password.
        f"""CREATE OR REPLACE FUNCTION {s}.wardconsole_upgrade_password_hash(
            p_staff_id integer, p_old text, p_new text) RETURNS boolean {settings} AS $$
        BEGIN
            UPDATE {s}.staff SET password_hash = p_new
                WHERE id = p_staff_id AND password_hash = p_old
                  AND role IN ('nurse', 'readonly') AND p_new LIKE 'scrypt$%';
            RETURN FOUND;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.wardconsole_system_account(p_at timestamptz)
            RETURNS integer {settings} AS $$
        DECLARE found_id integer;
        BEGIN
            SELECT id INTO found_id FROM {s}.staff WHERE staff_code = 'system';
            IF found_id IS NULL THEN
                INSERT INTO {s}.staff (staff_code, display_name, role, password_hash, active,
                                       failed_logins, created_at)
                    VALUES ('system', 'WardConsole (automatic)', 'system', NULL, true, 0, p_at)
                    ON CONFLICT (staff_code) DO NOTHING;
                SELECT id INTO found_id FROM {s}.staff WHERE staff_code = 'system';
            END IF;
            RETURN found_id;
        END $$""",
    ]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = bind.exec_driver_sql('SELECT current_schema()').scalar()
    for statement in _body(schema):
        op.execute(statement)
    for signature in FUNCTIONS:
        op.execute(f'REVOKE ALL ON FUNCTION "{schema}".{signature} FROM PUBLIC')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    schema = bind.exec_driver_sql('SELECT current_schema()').scalar()
    for signature in FUNCTIONS:
        op.execute(f'DROP FUNCTION IF EXISTS "{schema}".{signature}')
