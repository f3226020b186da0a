"""An approved payroll run is locked in the database too, and the Chengdu defaults are seeded.

The trigger functions keep the firm's search path (``SET search_path FROM CURRENT``), as the
ledger's do.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

PAYROLL_LOCK = """
CREATE OR REPLACE FUNCTION hr_payroll_locked() RETURNS trigger AS $$
DECLARE
    run_id bigint;
BEGIN
    IF TG_TABLE_NAME = 'hr_payrollrun' THEN
        IF OLD.status = 'approved' THEN
            RAISE EXCEPTION 'payroll run % is approved and locked', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    run_id := CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END;
    IF EXISTS (SELECT 1 FROM hr_payrollrun WHERE id = run_id AND status = 'approved') THEN
        RAISE EXCEPTION 'payroll run % is approved and locked', run_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE TRIGGER hr_payrollrun_locked BEFORE UPDATE OR DELETE ON hr_payrollrun
    FOR EACH ROW EXECUTE FUNCTION hr_payroll_locked();
CREATE TRIGGER hr_payslip_locked BEFORE INSERT OR UPDATE OR DELETE ON hr_payslip
    FOR EACH ROW EXECUTE FUNCTION hr_payroll_locked();
CREATE TRIGGER hr_payrollitem_locked BEFORE INSERT OR UPDATE OR DELETE ON hr_payrollitem
    FOR EACH ROW EXECUTE FUNCTION hr_payroll_locked();
"""

DROP = """
DROP TRIGGER IF EXISTS hr_payrollitem_locked ON hr_payrollitem;
DROP TRIGGER IF EXISTS hr_payslip_locked ON hr_payslip;
DROP TRIGGER IF EXISTS hr_payrollrun_locked ON hr_payrollrun;
"""


def seed_policies(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.schema_name == "public":
        return
    policy_model = apps.get_model("hr", "SocialInsurancePolicy")
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "social_insurance.json").read_text("utf-8"))
    for row in data["policies"]:
        policy_model.objects.get_or_create(
            city=row["city"],
            effective_from=row["from"],
            defaults={
                "source": row["source"][:300],
                "base_floor": Decimal(row["base_floor"]),
                "base_cap": Decimal(row["base_cap"]),
                "pension_employer": Decimal(row["pension"][0]),
                "pension_employee": Decimal(row["pension"][1]),
                "medical_employer": Decimal(row["medical"][0]),
                "medical_employee": Decimal(row["medical"][1]),
                "unemployment_employer": Decimal(row["unemployment"][0]),
                "unemployment_employee": Decimal(row["unemployment"][1]),
                "work_injury_employer": Decimal(row["work_injury"][0]),
                "housing_fund_floor": Decimal(row["housing_fund_floor"]),
                "housing_fund_cap": Decimal(row["housing_fund_cap"]),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("hr", "0001_initial")]

    operations = [
        migrations.RunSQL(PAYROLL_LOCK, reverse_sql=DROP),
        migrations.RunPython(seed_policies, migrations.RunPython.noop),
    ]
