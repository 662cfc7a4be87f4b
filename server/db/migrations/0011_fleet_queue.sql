-- The fleet's run queue in the database: a row per engine that claims of its slots lock in turn, when a run took and freed its engine slot (database time), and the indexes the claims read.
CREATE TABLE IF NOT EXISTS "engine_slots" (
	"engine" text PRIMARY KEY NOT NULL
);--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN IF NOT EXISTS "engine_claimed_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN IF NOT EXISTS "engine_released_at_ms" bigint;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "generations_queued_engine_idx" ON "generations" USING btree ("engine","created_at_ms","id") WHERE "generations"."status" = 'queued';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "generations_engine_slots_idx" ON "generations" USING btree ("engine","owner_id") WHERE "generations"."engine_claimed_at_ms" IS NOT NULL AND "generations"."engine_released_at_ms" IS NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "generations_engine_claimed_idx" ON "generations" USING btree ("engine","engine_claimed_at_ms");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "generations_account_claimed_idx" ON "generations" USING btree ("account_id","engine_claimed_at_ms");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "generations_running_account_idx" ON "generations" USING btree ("account_id") WHERE "generations"."status" = 'running';
