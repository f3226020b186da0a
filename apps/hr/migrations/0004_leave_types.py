"""The statutory kinds of leave, as editable rows of each firm."""

from django.db import migrations

TYPES = [
    # code, name, English name, paid, draws on annual leave, days at most per request
    ("annual", "年休假", "Annual leave", True, True, None),
    ("sick", "病假", "Sick leave", True, False, None),
    ("personal", "事假", "Personal leave (unpaid)", False, False, None),
    ("marriage", "婚假", "Marriage leave", True, False, 3),
    ("maternity", "产假", "Maternity leave", True, False, 158),
    ("paternity", "陪产假", "Paternity leave", True, False, 20),
    ("bereavement", "丧假", "Bereavement leave", True, False, 3),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.schema_name == "public":
        return
    leave_type = apps.get_model("hr", "LeaveType")
    leave_type.objects.bulk_create(
        [
            leave_type(code=code, name=name, name_en=name_en, paid=paid, uses_annual_balance=annual, max_days=max_days)
            for code, name, name_en, paid, annual, max_days in TYPES
        ],
        ignore_conflicts=True,  # a firm's own rows of these codes stay as they are
    )


class Migration(migrations.Migration):
    dependencies = [("hr", "0003_leave")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
