from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                ("actor_id", models.BigIntegerField(blank=True, null=True, verbose_name="actor id")),
                ("actor", models.CharField(blank=True, max_length=300, verbose_name="by")),
                ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                ("object_type", models.CharField(blank=True, max_length=64, verbose_name="object type")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="address")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="details")),
            ],
            options={"verbose_name": "audit event", "verbose_name_plural": "audit events", "ordering": ["-at", "-id"]},
        ),
        # Each schema gets its own function and trigger (the search path points at it).
        migrations.RunSQL(APPEND_ONLY, reverse_sql="DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"),
    ]
