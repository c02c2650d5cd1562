-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "catalog_schema";

-- CreateTable
CREATE TABLE "catalog_schema"."category" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(150) NOT NULL,

    CONSTRAINT "category_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_schema"."product" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(150) NOT NULL,
    "category_id" INTEGER NOT NULL,
    "description" VARCHAR(1500) NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_schema"."purchase" (
    "id" SERIAL NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "product_id" INTEGER NOT NULL,
    "purchased_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source_key" TEXT,

    CONSTRAINT "purchase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_schema"."outbox" (
    "id" BIGSERIAL NOT NULL,
    "product_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "catalog_schema"."outbox_lease" (
    "name" VARCHAR(50) NOT NULL,
    "holder" VARCHAR(100) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_lease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "catalog_schema"."dataset_import" (
    "checksum" VARCHAR(64) NOT NULL,
    "source" TEXT NOT NULL,
    "summary" JSONB NOT NULL,
    "imported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_import_pkey" PRIMARY KEY ("checksum")
);

-- CreateIndex: titles are unique regardless of case (hand-written: Prisma cannot express it).
CREATE UNIQUE INDEX "category_title_lower_key" ON "catalog_schema"."category"(lower("title"));

-- CreateIndex
CREATE UNIQUE INDEX "product_title_lower_key" ON "catalog_schema"."product"(lower("title"));

-- CreateIndex
CREATE INDEX "product_category_id_idx" ON "catalog_schema"."product"("category_id");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_source_key_key" ON "catalog_schema"."purchase"("source_key");

-- CreateIndex
CREATE INDEX "purchase_customer_id_purchased_at_id_idx" ON "catalog_schema"."purchase"("customer_id", "purchased_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "purchase_product_id_idx" ON "catalog_schema"."purchase"("product_id");

-- CreateIndex
CREATE INDEX "outbox_product_id_idx" ON "catalog_schema"."outbox"("product_id");

-- AddForeignKey
ALTER TABLE "catalog_schema"."product" ADD CONSTRAINT "product_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "catalog_schema"."category"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "catalog_schema"."purchase" ADD CONSTRAINT "purchase_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "catalog_schema"."product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
