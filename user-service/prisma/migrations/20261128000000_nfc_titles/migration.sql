-- Customer names as the API and the dataset seed now write them (docs/limits.md, "Names and
-- titles"): trimmed of invisible characters at both ends and in Unicode NFC. A name an earlier
-- version stored otherwise (decomposed "Jose\u0301") would not match the same name in the
-- dataset, and catalog-service's import would reject all its rows. Left as they are
-- (docs/limits.md): a name another customer would share (unique), or that would be empty (only
-- invisible characters) or longer than 150 characters. The customer_change trigger announces
-- every renamed customer to recommendation-service. Data only.

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

WITH keyed AS (
    SELECT id, pg_temp.stored_title(title) AS title FROM "user_schema"."customer"
), free AS (
    SELECT title FROM keyed GROUP BY title HAVING count(*) = 1
)
UPDATE "user_schema"."customer" AS c SET title = keyed.title
FROM keyed JOIN free USING (title)
WHERE keyed.id = c.id AND c.title <> keyed.title AND keyed.title <> '' AND char_length(keyed.title) <= 150;

DROP FUNCTION pg_temp.stored_title(text);
