"""The default pipeline of every firm, editable afterwards."""

from django.db import migrations

STAGES = [
    # name, English name, position, probability (%), kind
    ("初步接洽", "Qualification", 10, 10, "open"),
    ("需求确认", "Needs analysis", 20, 30, "open"),
    ("方案报价", "Proposal", 30, 60, "open"),
    ("商务谈判", "Negotiation", 40, 80, "open"),
    ("赢单", "Won", 90, 100, "won"),
    ("输单", "Lost", 100, 0, "lost"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.schema_name == "public":
        return
    stage = apps.get_model("crm", "Stage")
    stage.objects.bulk_create(
        [
            stage(name=name, name_en=name_en, position=position, probability=probability, kind=kind)
            for name, name_en, position, probability, kind in STAGES
        ],
        ignore_conflicts=True,
    )
    apps.get_model("crm", "CrmSettings").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
