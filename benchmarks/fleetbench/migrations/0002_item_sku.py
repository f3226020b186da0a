from django.db import migrations, models


class Migration(migrations.Migration):
    """The 'new tenant migration' of the benchmark: a column and an index on a populated table."""

    dependencies = [("fleetbench", "0001_initial")]

    operations = [
        migrations.AddField(model_name="item", name="sku", field=models.CharField(default="", max_length=40)),
        migrations.AlterField(
            model_name="item", name="sku", field=models.CharField(db_index=True, default="", max_length=40)
        ),
    ]
