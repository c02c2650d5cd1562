-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "recommendation_schema";

-- CreateTable
CREATE TABLE "recommendation_schema"."product_embedding" (
    "product_id" INTEGER NOT NULL,
    "embedder_id" VARCHAR(200) NOT NULL,
    "text_hash" VARCHAR(64) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_embedding_pkey" PRIMARY KEY ("embedder_id","product_id")
);
