-- Tokens get a public id (tok_…), a label and a last-used time; answers that carried a token's secret are scrubbed.
ALTER TABLE "api_tokens" ADD COLUMN "id" text;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "label" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "last_used_at_ms" bigint;--> statement-breakpoint
UPDATE "api_tokens" SET "id" = 'tok_' || replace(gen_random_uuid()::text, '-', '') WHERE "id" IS NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ALTER COLUMN "id" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_id_idx" ON "api_tokens" USING btree ("id");--> statement-breakpoint
-- The stored answers of token creations held the secret in clear: each becomes the 409 a replay now answers, naming the token by id.
UPDATE "idempotency_keys" AS k SET "status" = 409, "body" = jsonb_build_object('error', jsonb_build_object(
	'code', 'token_already_issued',
	'message', 'this request already issued token ' || t."id" || '; its secret is shown only once (revoke it if it was lost, and issue a new one with a new Idempotency-Key)',
	'details', jsonb_build_object('accountId', t."account_id", 'tokenId', t."id")))
FROM "api_tokens" AS t
WHERE k."body" ? 'token' AND jsonb_typeof(k."body" -> 'token') = 'string'
	AND t."token_hash" = encode(sha256(convert_to(k."body" ->> 'token', 'UTF8')), 'hex');--> statement-breakpoint
-- Any other stored answer with a secret in it (its token row is gone): the secret goes, the rest stays.
UPDATE "idempotency_keys" SET "body" = "body" - 'token' WHERE "body" ? 'token' AND ("scope" = 'admin:accounts' OR "scope" LIKE 'admin:tokens:%');
