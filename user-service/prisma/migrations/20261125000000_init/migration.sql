-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "user_schema";

-- CreateTable
CREATE TABLE "user_schema"."customer" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(150) NOT NULL,
    "gender" VARCHAR(15) NOT NULL,
    "age" INTEGER NOT NULL,
    "location" VARCHAR(150) NOT NULL,
    "preference" VARCHAR(150) NOT NULL,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customer_title_key" ON "user_schema"."customer"("title");

-- CreateTable
CREATE TABLE "user_schema"."dataset_import" (
    "checksum" VARCHAR(64) NOT NULL,
    "source" TEXT NOT NULL,
    "summary" JSONB NOT NULL,
    "imported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_import_pkey" PRIMARY KEY ("checksum")
);
