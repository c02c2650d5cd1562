-- One Postgres schema per service (architecture.md). Each service applies its own
-- migrations into its schema at start-up; this file only makes the schemas exist, so
-- `prisma migrate deploy` and the services can run with a role that may not create schemas.
CREATE SCHEMA IF NOT EXISTS user_schema;
CREATE SCHEMA IF NOT EXISTS catalog_schema;
CREATE SCHEMA IF NOT EXISTS recommendation_schema;
