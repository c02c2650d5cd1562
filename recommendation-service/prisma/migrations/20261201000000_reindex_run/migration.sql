-- A re-index that has started and not finished (one row, id 1; src/services/reindex.ts): a row
-- found at start-up is a run the last process did not finish, which then runs again.
CREATE TABLE "recommendation_schema"."reindex_run" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reindex_run_pkey" PRIMARY KEY ("id")
);
