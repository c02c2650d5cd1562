-- A local copy of every customer's purchases (issue 10, the first request for a customer):
-- filled from catalog-service's purchase feed, so a first recommendation needs no history
-- call. Catalog-service stays the owner: a customer whose purchases changed (its outbox push)
-- is marked stale and read from catalog-service over HTTP on the next request.

-- CreateTable
CREATE TABLE "recommendation_schema"."customer_purchase" (
    "purchase_id" INTEGER NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "purchased_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_purchase_pkey" PRIMARY KEY ("purchase_id")
);

-- CreateIndex
CREATE INDEX "customer_purchase_customer_id_idx" ON "recommendation_schema"."customer_purchase"("customer_id");

-- CreateTable
-- A customer is stale while marked > settled. Every change takes `changed` from the sequence
-- under an advisory lock (so values become visible in order): a replica reads the marks
-- changed since its last look and learns of pushes and rewrites another replica handled.
CREATE TABLE "recommendation_schema"."customer_purchase_stale" (
    "customer_id" INTEGER NOT NULL,
    "marked" BIGINT NOT NULL,
    "settled" BIGINT NOT NULL DEFAULT 0,
    "changed" BIGINT NOT NULL,

    CONSTRAINT "customer_purchase_stale_pkey" PRIMARY KEY ("customer_id")
);

-- CreateIndex
CREATE INDEX "customer_purchase_stale_changed_idx" ON "recommendation_schema"."customer_purchase_stale"("changed");

CREATE SEQUENCE "recommendation_schema"."customer_purchase_change_seq";

-- The copy's own cursor in the purchase feed (the statistics keep theirs): a database whose
-- statistics were learned before this table existed fills the copy from the start once.
ALTER TABLE "recommendation_schema"."purchase_stats_cursor" ADD COLUMN "copied_purchase_id" INTEGER NOT NULL DEFAULT 0;
