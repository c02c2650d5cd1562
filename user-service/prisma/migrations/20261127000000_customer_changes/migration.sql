-- Customer changes as a feed (issue 10): recommendation-service keeps a copy of the customers
-- (who exists, and their profile) for a first recommendation without asking here, and follows
-- this table to keep it current. One row per customer, its `version` taken from a sequence at
-- every insert, update and delete (a deleted customer keeps its row: the copy must hear of it).
-- A trigger, so no write path (routes, the dataset seed, psql) can forget it.

-- CreateTable
CREATE TABLE "user_schema"."customer_change" (
    "customer_id" INTEGER NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "customer_change_pkey" PRIMARY KEY ("customer_id")
);

-- CreateIndex
CREATE INDEX "customer_change_version_idx" ON "user_schema"."customer_change"("version");

CREATE SEQUENCE "user_schema"."customer_change_seq";

-- The advisory lock serialises writers until they commit, so versions become visible in
-- increasing order and a follower reading "version > its cursor" never skips one.
CREATE FUNCTION "user_schema"."record_customer_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_id INTEGER;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed_id := OLD.id;
    ELSE
        changed_id := NEW.id;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('user_schema.customer_change'));
    INSERT INTO "user_schema"."customer_change" ("customer_id", "version")
    VALUES (changed_id, nextval('"user_schema"."customer_change_seq"'))
    ON CONFLICT ("customer_id") DO UPDATE SET "version" = EXCLUDED."version";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "customer_change" AFTER INSERT OR UPDATE OR DELETE ON "user_schema"."customer"
    FOR EACH ROW EXECUTE FUNCTION "user_schema"."record_customer_change"();

-- The customers already there.
INSERT INTO "user_schema"."customer_change" ("customer_id", "version")
SELECT "id", nextval('"user_schema"."customer_change_seq"') FROM "user_schema"."customer" ORDER BY "id";
