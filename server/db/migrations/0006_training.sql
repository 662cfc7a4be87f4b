-- Training jobs (custom model training) and the training allowance, counted like money: one entry per use and per return.
CREATE TABLE "trainings" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL REFERENCES "accounts"("id"),
	"name" text NOT NULL,
	"status" text NOT NULL,
	"funding" text NOT NULL,
	"generation_id" text,
	"image_count" integer NOT NULL,
	"image_bytes" bigint NOT NULL,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"step" integer DEFAULT 0 NOT NULL,
	"progress_pct" integer DEFAULT 0 NOT NULL,
	"stage" text DEFAULT 'queued' NOT NULL,
	"duration_ms" bigint NOT NULL,
	"time_left_ms" bigint,
	"model_file" text,
	"model_bytes" bigint,
	"error_code" text,
	"error_message" text,
	"created_at_ms" bigint NOT NULL,
	"started_at_ms" bigint,
	"finished_at_ms" bigint,
	"owner_id" text,
	"lease_expires_at_ms" bigint
);
--> statement-breakpoint
CREATE INDEX "trainings_account_created_idx" ON "trainings" USING btree ("account_id","created_at_ms","id");
--> statement-breakpoint
CREATE INDEX "trainings_lease_idx" ON "trainings" USING btree ("status","lease_expires_at_ms");
--> statement-breakpoint
CREATE TABLE "training_allowance_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL REFERENCES "accounts"("id"),
	"training_id" text NOT NULL REFERENCES "trainings"("id"),
	"kind" text NOT NULL,
	"units" integer NOT NULL,
	"period" text NOT NULL,
	"window_start_ms" bigint NOT NULL,
	"window_end_ms" bigint NOT NULL,
	"at_ms" bigint NOT NULL,
	"reason" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "training_allowance_once_idx" ON "training_allowance_entries" USING btree ("training_id","kind");
--> statement-breakpoint
CREATE INDEX "training_allowance_window_idx" ON "training_allowance_entries" USING btree ("account_id","period","window_start_ms");
