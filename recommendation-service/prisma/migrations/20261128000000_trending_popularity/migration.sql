-- "Trending" popularity: purchases weighted by how recent they are in their customer's history
-- (recommendation-service/src/ranking/pair-counts.ts, trendIncrements).
ALTER TABLE "recommendation_schema"."product_popularity" ADD COLUMN "trending" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- Statistics learned before this column: rebuilt from each customer's kept tail (newest last),
-- half-life 1 purchase, as the learning applies it (steps beyond ten half-lives stay at 0.5^10).
UPDATE "recommendation_schema"."product_popularity" AS p
SET "trending" = t.trending
FROM (
  SELECT u.product_id, SUM(POWER(0.5, LEAST(cardinality(c.products) - u.ord, 10))) AS trending
  FROM "recommendation_schema"."customer_tail" AS c
  CROSS JOIN LATERAL unnest(c.products) WITH ORDINALITY AS u(product_id, ord)
  GROUP BY u.product_id
) AS t
WHERE p.product_id = t.product_id;
