CREATE TABLE "generations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"status" text NOT NULL,
	"request" jsonb NOT NULL,
	"model_id" text,
	"workflow_id" text,
	"label" text NOT NULL,
	"prompt" text DEFAULT '' NOT NULL,
	"engine" text NOT NULL,
	"approved_mc" bigint NOT NULL,
	"held_mc" bigint NOT NULL,
	"estimate_max_mc" bigint NOT NULL,
	"estimate_typical_mc" bigint NOT NULL,
	"final_mc" bigint,
	"charged_mc" bigint,
	"refunded_mc" bigint,
	"funding" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"commercial_use" boolean DEFAULT false NOT NULL,
	"usage" jsonb,
	"outputs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_code" text,
	"error_message" text,
	"progress_pct" integer DEFAULT 0 NOT NULL,
	"deadline_ms" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"started_at_ms" bigint,
	"finished_at_ms" bigint
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"generation_id" text NOT NULL,
	"amount_mc" bigint NOT NULL,
	"status" text NOT NULL,
	"deadline_ms" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"settled_at_ms" bigint
);
--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_generation_id_generations_id_fk" FOREIGN KEY ("generation_id") REFERENCES "public"."generations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "generations_account_created_idx" ON "generations" USING btree ("account_id","created_at_ms","id");--> statement-breakpoint
CREATE INDEX "generations_status_idx" ON "generations" USING btree ("status");--> statement-breakpoint
CREATE INDEX "holds_account_status_idx" ON "holds" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "holds_deadline_idx" ON "holds" USING btree ("status","deadline_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_generation_idx" ON "holds" USING btree ("generation_id");