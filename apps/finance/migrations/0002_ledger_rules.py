"""Rules the database keeps even when a service is bypassed, and the default chart.

- Every voucher balances: a deferred constraint trigger checks debits = credits (and the
  stored total) at commit, whoever wrote the lines.
- A posted voucher and its lines never change and are never deleted: corrections are
  reversals. Posting into a closed period is refused.

The functions keep the firm's search path (``SET search_path FROM CURRENT``): deferred checks
run at commit, when the connection may already have left the firm's schema.
"""

from django.db import migrations

LEDGER_RULES = """
CREATE OR REPLACE FUNCTION finance_voucher_balanced() RETURNS trigger AS $$
DECLARE
    vid bigint := COALESCE(NEW.voucher_id, OLD.voucher_id);
    dr numeric; cr numeric; n integer; v_total numeric; v_status text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.voucher_id <> OLD.voucher_id THEN
        RAISE EXCEPTION 'a voucher line cannot move to another voucher' USING ERRCODE = 'check_violation';
    END IF;
    SELECT total, status INTO v_total, v_status FROM finance_voucher WHERE id = vid;
    IF NOT FOUND THEN
        RETURN NULL;  -- the voucher itself was deleted (a draft)
    END IF;
    SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0), COUNT(*) INTO dr, cr, n
        FROM finance_voucherline WHERE voucher_id = vid;
    IF dr <> cr THEN
        RAISE EXCEPTION 'voucher % does not balance: debits % <> credits %', vid, dr, cr
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_status = 'posted' AND (n < 2 OR v_total <> dr) THEN
        RAISE EXCEPTION 'posted voucher % needs two lines and a total equal to its debits', vid
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE CONSTRAINT TRIGGER finance_voucherline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON finance_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_voucher_balanced();

CREATE OR REPLACE FUNCTION finance_voucher_check_posted() RETURNS trigger AS $$
DECLARE
    lines_total numeric; n integer; p_status text;
BEGIN
    IF NEW.status = 'posted' THEN
        SELECT COALESCE(SUM(debit), 0), COUNT(*) INTO lines_total, n FROM finance_voucherline
            WHERE voucher_id = NEW.id;
        IF n < 2 OR lines_total <> NEW.total OR lines_total <> (
            SELECT COALESCE(SUM(credit), 0) FROM finance_voucherline WHERE voucher_id = NEW.id) THEN
            RAISE EXCEPTION 'voucher % does not balance or has fewer than two lines', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE CONSTRAINT TRIGGER finance_voucher_posted_balanced
    AFTER INSERT OR UPDATE ON finance_voucher
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_voucher_check_posted();

CREATE OR REPLACE FUNCTION finance_voucher_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'posted' THEN
        RAISE EXCEPTION 'posted voucher % cannot be changed or deleted; reverse it instead', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'posted' AND EXISTS (
        SELECT 1 FROM finance_period WHERE id = NEW.period_id AND status <> 'open') THEN
        RAISE EXCEPTION 'period of voucher % is closed', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE TRIGGER finance_voucher_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON finance_voucher
    FOR EACH ROW EXECUTE FUNCTION finance_voucher_immutable();

CREATE OR REPLACE FUNCTION finance_voucherline_immutable() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM finance_voucher WHERE status = 'posted'
               AND id IN (COALESCE(NEW.voucher_id, OLD.voucher_id), COALESCE(OLD.voucher_id, NEW.voucher_id))) THEN
        RAISE EXCEPTION 'lines of a posted voucher cannot be added, changed or deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE TRIGGER finance_voucherline_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON finance_voucherline
    FOR EACH ROW EXECUTE FUNCTION finance_voucherline_immutable();
"""

DROP_RULES = """
DROP TRIGGER IF EXISTS finance_voucherline_immutable ON finance_voucherline;
DROP TRIGGER IF EXISTS finance_voucher_immutable ON finance_voucher;
DROP TRIGGER IF EXISTS finance_voucher_posted_balanced ON finance_voucher;
DROP TRIGGER IF EXISTS finance_voucherline_balanced ON finance_voucherline;
"""


def install_default_chart(apps, schema_editor):  # type: ignore[no-untyped-def]
    from apps.finance.charts import DEFAULT_CHART, chart_install

    if schema_editor.connection.schema_name == "public":
        return  # the ledger lives in firm schemas only
    account_model = apps.get_model("finance", "Account")
    if account_model.objects.exists():
        return
    chart_install(chart=DEFAULT_CHART, account_model=account_model)
    apps.get_model("finance", "LedgerSettings").objects.create(id=1, chart=DEFAULT_CHART)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [
        migrations.RunSQL(LEDGER_RULES, reverse_sql=DROP_RULES),
        migrations.RunPython(install_default_chart, migrations.RunPython.noop),
    ]
