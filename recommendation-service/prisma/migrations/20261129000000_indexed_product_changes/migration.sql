-- The product directory as a feed: every replica on this database keeps the indexed products in
-- memory and must hear of the changes another replica made (catalog-service's outbox delivers a
-- product change to one replica only). One row per product ever indexed, its `version` taken
-- from a sequence at every insert, update and delete (a deleted product keeps its row: the
-- other replicas must hear of it). A trigger, so no write path can forget it.

-- CreateTable
CREATE TABLE "recommendation_schema"."indexed_product_change" (
    "embedder_id" VARCHAR(200) NOT NULL,
    "product_id" INTEGER NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "indexed_product_change_pkey" PRIMARY KEY ("embedder_id","product_id")
);

-- CreateIndex
CREATE INDEX "indexed_product_change_embedder_id_version_idx" ON "recommendation_schema"."indexed_product_change"("embedder_id", "version");

CREATE SEQUENCE "recommendation_schema"."indexed_product_change_seq";

-- The advisory lock serialises writers until they commit, so versions become visible in
-- increasing order and a replica reading "version > its cursor" never skips one.
CREATE FUNCTION "recommendation_schema"."record_indexed_product_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('recommendation_schema.indexed_product_change'));
    INSERT INTO "recommendation_schema"."indexed_product_change" ("embedder_id", "product_id", "version")
    VALUES (changed.embedder_id, changed.product_id, nextval('"recommendation_schema"."indexed_product_change_seq"'))
    ON CONFLICT ("embedder_id", "product_id") DO UPDATE SET "version" = EXCLUDED."version";
    RETURN NULL;
END;
$$;

CREATE TRIGGER "indexed_product_change" AFTER INSERT OR UPDATE OR DELETE ON "recommendation_schema"."indexed_product"
    FOR EACH ROW EXECUTE FUNCTION "recommendation_schema"."record_indexed_product_change"();

-- The products already indexed.
INSERT INTO "recommendation_schema"."indexed_product_change" ("embedder_id", "product_id", "version")
SELECT "embedder_id", "product_id", nextval('"recommendation_schema"."indexed_product_change_seq"')
FROM "recommendation_schema"."indexed_product" ORDER BY "embedder_id", "product_id";
