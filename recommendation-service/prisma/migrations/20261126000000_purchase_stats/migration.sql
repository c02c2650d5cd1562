-- CreateTable
CREATE TABLE "recommendation_schema"."purchase_stats_cursor" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_purchase_id" INTEGER NOT NULL DEFAULT 0,
    "purchases" INTEGER NOT NULL DEFAULT 0,
    "customers" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "purchase_stats_cursor_pkey" PRIMARY KEY ("id")
);

-- The one row every replica locks while applying a page of purchases.
INSERT INTO "recommendation_schema"."purchase_stats_cursor" ("id") VALUES (1) ON CONFLICT DO NOTHING;

-- CreateTable
CREATE TABLE "recommendation_schema"."product_popularity" (
    "product_id" INTEGER NOT NULL,
    "purchases" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "product_popularity_pkey" PRIMARY KEY ("product_id")
);

-- CreateTable
CREATE TABLE "recommendation_schema"."product_pair" (
    "kind" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "other_id" INTEGER NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "product_pair_pkey" PRIMARY KEY ("kind","product_id","other_id")
);

-- CreateTable
CREATE TABLE "recommendation_schema"."customer_tail" (
    "customer_id" INTEGER NOT NULL,
    "products" INTEGER[],

    CONSTRAINT "customer_tail_pkey" PRIMARY KEY ("customer_id")
);

-- CreateIndex
CREATE INDEX "product_popularity_version_idx" ON "recommendation_schema"."product_popularity"("version");

-- CreateIndex
CREATE INDEX "product_pair_version_idx" ON "recommendation_schema"."product_pair"("version");
