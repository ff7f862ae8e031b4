"""On PostgreSQL, the audit trail and signed visits cannot be changed, even by hand in psql.

Application code never updates or deletes audit events, and never edits a signed visit; these
triggers make that true for every other path too (a bug, a script, a mistaken admin).
"""

from __future__ import annotations

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION upstream_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused on %', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION upstream_refuse_audit_change();

CREATE OR REPLACE FUNCTION upstream_refuse_signed_visit_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'home visit % is signed and final: add an addendum instead', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER home_visit_signed_is_final
    BEFORE UPDATE OR DELETE ON casework_homevisit
    FOR EACH ROW EXECUTE FUNCTION upstream_refuse_signed_visit_change();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_event_append_only ON casework_auditevent;
DROP FUNCTION IF EXISTS upstream_refuse_audit_change();
DROP TRIGGER IF EXISTS home_visit_signed_is_final ON casework_homevisit;
DROP FUNCTION IF EXISTS upstream_refuse_signed_visit_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_cases_visits_audit")]

    operations = [migrations.RunPython(install, remove)]
