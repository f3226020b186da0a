"""The stock ledger cannot be rewritten: a move's product, place, quantity, kind and day never
change and no move is deleted. Only its valuation columns change (a back-dated move re-costs
the moves after it)."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION supply_chain_stockmove_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock move % cannot be changed or deleted; record a correcting move instead', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql SET search_path FROM CURRENT;

CREATE TRIGGER supply_chain_stockmove_no_delete
    BEFORE DELETE ON supply_chain_stockmove
    FOR EACH ROW EXECUTE FUNCTION supply_chain_stockmove_immutable();

-- The condition is checked without calling the function, so re-costing thousands of moves
-- (which only changes the valuation columns of computed-cost moves) stays cheap.
CREATE TRIGGER supply_chain_stockmove_no_change
    BEFORE UPDATE ON supply_chain_stockmove
    FOR EACH ROW WHEN (
        NEW.product_id <> OLD.product_id OR NEW.location_id <> OLD.location_id
        OR NEW.warehouse_id <> OLD.warehouse_id OR NEW.lot_id IS DISTINCT FROM OLD.lot_id
        OR NEW.quantity <> OLD.quantity OR NEW.kind <> OLD.kind OR NEW.moved_on <> OLD.moved_on
        OR NEW.valued <> OLD.valued OR NEW.fixed_cost <> OLD.fixed_cost
        OR NEW.origin_id IS DISTINCT FROM OLD.origin_id
        OR (OLD.fixed_cost AND (NEW.unit_cost <> OLD.unit_cost OR NEW.value <> OLD.value))
    )
    EXECUTE FUNCTION supply_chain_stockmove_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS supply_chain_stockmove_no_delete ON supply_chain_stockmove;
DROP TRIGGER IF EXISTS supply_chain_stockmove_no_change ON supply_chain_stockmove;
DROP FUNCTION IF EXISTS supply_chain_stockmove_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("supply_chain", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
