-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "recommendation_schema";

-- CreateTable
CREATE TABLE "recommendation_schema"."indexed_product" (
    "embedder_id" VARCHAR(200) NOT NULL,
    "product_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "product_title" VARCHAR(150) NOT NULL,
    "category_title" VARCHAR(150) NOT NULL,
    "text_hash" VARCHAR(64) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "indexed_product_pkey" PRIMARY KEY ("embedder_id","product_id")
);
