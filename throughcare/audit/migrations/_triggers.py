"""The SQLite append-only triggers, shared by the migrations that (re)create them."""

TABLES = ("audit_auditentry", "audit_auditcheckpoint")


def create_sqlite(schema_editor) -> None:
    names = {"audit_auditentry": "audit_entry", "audit_auditcheckpoint": "audit_checkpoint"}
    for table in TABLES:
        for operation in ("update", "delete"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {names[table]}_no_{operation} BEFORE {operation.upper()} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
            )
