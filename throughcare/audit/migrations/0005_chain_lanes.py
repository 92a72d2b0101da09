"""Audit chain lanes (docs/decisions/0017-audit-chain-lanes.md).

PostgreSQL: one chain under one advisory lock held until commit serialised every request's commit
behind the one before it (a WAL flush each), so the trail capped the whole service at about one
request per flush. Now the INSERT trigger links each entry into one of 16 chains ("lanes"), each with
its own advisory lock: the first lane free (starting from one picked by the backend's pid), or, when
all 16 are busy, a wait for one. A transaction keeps the lane it first took. Within a lane, seq order
is commit order is chain order, as before; a lane's first entry links to the last entry of the old
single chain (lane NULL), and a lane entry's hash also binds its seq and lane. SQLite (one writer at a
time) keeps the single chain, lane NULL. Checkpoints now sign every lane's head.
"""

from django.db import migrations, models

from throughcare.audit.migrations import _triggers

# 16 lanes: audit.models.CHAIN_LANES when this migration was written.
PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger AS $$
DECLARE
    previous text;
    chosen int;
    first int;
    held text;
BEGIN
    held := current_setting('throughcare.audit_lane', true);
    IF held IS NOT NULL AND held <> '' THEN
        chosen := held::int;  -- this transaction already holds a lane: stay in it (no lock-order deadlock)
    ELSE
        first := pg_backend_pid() % 16;
        FOR i IN 0..15 LOOP
            IF pg_try_advisory_xact_lock(7202607, 1 + (first + i) % 16) THEN
                chosen := 1 + (first + i) % 16;
                EXIT;
            END IF;
        END LOOP;
        IF chosen IS NULL THEN
            chosen := 1 + first;
            PERFORM pg_advisory_xact_lock(7202607, chosen);
        END IF;
        PERFORM set_config('throughcare.audit_lane', chosen::text, true);
    END IF;
    NEW.lane := chosen;
    -- seq is (re)assigned under the lane's lock, so that within a lane seq order is commit order is
    -- chain order; the identity value drawn before the trigger is discarded (seq has gaps).
    NEW.seq := nextval(pg_get_serial_sequence('audit_auditentry', 'seq'));
    SELECT e.chain_hash INTO previous FROM audit_auditentry e WHERE e.lane = chosen ORDER BY e.seq DESC LIMIT 1;
    IF previous IS NULL THEN
        SELECT e.chain_hash INTO previous FROM audit_auditentry e WHERE e.lane IS NULL ORDER BY e.seq DESC LIMIT 1;
    END IF;
    NEW.prev_hash := COALESCE(previous, repeat('0', 64));
    NEW.chain_hash := encode(sha256(convert_to(
        NEW.prev_hash || NEW.content_hash || ':' || NEW.seq::text || ':' || chosen::text, 'UTF8')), 'hex');
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

PG_BACKWARD = """
CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger AS $$
DECLARE previous text;
BEGIN
    PERFORM pg_advisory_xact_lock(7202607);
    NEW.seq := nextval(pg_get_serial_sequence('audit_auditentry', 'seq'));
    SELECT chain_hash INTO previous FROM audit_auditentry ORDER BY seq DESC LIMIT 1;
    NEW.prev_hash := COALESCE(previous, repeat('0', 64));
    NEW.chain_hash := encode(sha256(convert_to(NEW.prev_hash || NEW.content_hash, 'UTF8')), 'hex');
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        _triggers.create_sqlite(schema_editor)  # nothing here rebuilds the tables, but make sure


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_restore_sqlite_triggers")]
    operations = [
        migrations.AddField(model_name="auditentry", name="lane",
                            field=models.PositiveSmallIntegerField(blank=True, null=True)),
        migrations.AddIndex(model_name="auditentry", index=models.Index(fields=["lane", "seq"], name="audit_lane_seq")),
        migrations.AddField(model_name="auditcheckpoint", name="heads", field=models.JSONField(blank=True, null=True)),
        migrations.RunPython(forward, backward),
    ]
