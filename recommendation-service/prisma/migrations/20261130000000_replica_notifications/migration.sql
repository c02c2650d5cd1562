-- Replicas on this database hear at once what another one wrote to the tables they follow
-- (catalog-service's push reaches one replica only; README, "Freshness"): a NOTIFY on channel
-- `recommendation_changes`, delivered at commit, its payload naming what to read again. Per
-- statement: Postgres delivers identical notifications of one transaction once. The feed tick
-- still reads both tables, so a replica that was not listening misses no change.
CREATE FUNCTION "recommendation_schema"."notify_replicas"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('recommendation_changes', TG_ARGV[0]);
    RETURN NULL;
END;
$$;

-- Fed by the trigger on indexed_product: a product another replica stored, changed or deleted.
CREATE TRIGGER "notify_replicas" AFTER INSERT OR UPDATE ON "recommendation_schema"."indexed_product_change"
    FOR EACH STATEMENT EXECUTE FUNCTION "recommendation_schema"."notify_replicas"('products');

-- A customer's purchases marked stale (catalog-service's push) or made right again.
CREATE TRIGGER "notify_replicas" AFTER INSERT OR UPDATE ON "recommendation_schema"."customer_purchase_stale"
    FOR EACH STATEMENT EXECUTE FUNCTION "recommendation_schema"."notify_replicas"('purchases');
