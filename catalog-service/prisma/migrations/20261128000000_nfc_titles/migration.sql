-- Titles as the API and the dataset import now write them (docs/limits.md, "Names and titles"):
-- trimmed of invisible characters at both ends and in Unicode NFC. Rows an earlier version
-- stored otherwise (decomposed "Cafe\u0301", or "Café\u200b" from a CSV) would not be found by
-- the import's lower(title) lookups and purchase keys, and would be stored a second time.
-- Left as they are (docs/limits.md): a row whose new title another row would share (a unique
-- key), would be empty (only invisible characters) or longer than 150 characters. Data only.

-- The rule as packages/service-kit's normalizeName applies it today: whitespace and invisible
-- characters trimmed at both ends (a variation selector right after the last visible character
-- stays), then NFC. Temporary: a later change of the rule must not change this migration.
CREATE FUNCTION pg_temp.stored_title(title text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
    SELECT normalize(regexp_replace(
        title,
        '^[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8]+'
        '|([\u180b-\u180f\ufe00-\ufe0f]*)[\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8]*$',
        '\1', 'g'), NFC)
$fn$;

-- Categories, unique ignoring case.
WITH keyed AS (
    SELECT id, pg_temp.stored_title(title) AS title FROM "catalog_schema"."category"
), free AS (
    SELECT lower(title) AS key FROM keyed GROUP BY 1 HAVING count(*) = 1
), renamed AS (
    UPDATE "catalog_schema"."category" AS c SET title = keyed.title
    FROM keyed JOIN free ON free.key = lower(keyed.title)
    WHERE keyed.id = c.id AND c.title <> keyed.title AND keyed.title <> '' AND char_length(keyed.title) <= 150
    RETURNING c.id
)
-- A category's title is part of its products' embedding text: recommendation-service is sent
-- them again, as after a rename through the API.
INSERT INTO "catalog_schema"."outbox" (product_id)
SELECT p.id FROM "catalog_schema"."product" AS p JOIN renamed ON renamed.id = p.category_id ORDER BY p.id;

-- Products, unique ignoring case.
WITH keyed AS (
    SELECT id, pg_temp.stored_title(title) AS title FROM "catalog_schema"."product"
), free AS (
    SELECT lower(title) AS key FROM keyed GROUP BY 1 HAVING count(*) = 1
), renamed AS (
    UPDATE "catalog_schema"."product" AS p SET title = keyed.title, updated_at = now()
    FROM keyed JOIN free ON free.key = lower(keyed.title)
    WHERE keyed.id = p.id AND p.title <> keyed.title AND keyed.title <> '' AND char_length(keyed.title) <= 150
    RETURNING p.id
)
INSERT INTO "catalog_schema"."outbox" (product_id) SELECT id FROM renamed ORDER BY id;

-- The dataset import's purchase keys, "<customer>:<lower-cased product title>#<n>", unique.
WITH keyed AS (
    SELECT id, substring(source_key FROM '^\d+:')
        || pg_temp.stored_title(substring(source_key FROM '^\d+:(.*)#\d+$'))
        || substring(source_key FROM '#\d+$') AS key
    FROM "catalog_schema"."purchase" WHERE source_key ~ '^\d+:.*#\d+$'
), free AS (
    SELECT key FROM keyed GROUP BY key HAVING count(*) = 1
)
UPDATE "catalog_schema"."purchase" AS p SET source_key = keyed.key
FROM keyed JOIN free USING (key)
WHERE keyed.id = p.id AND p.source_key <> keyed.key;

DROP FUNCTION pg_temp.stored_title(text);
