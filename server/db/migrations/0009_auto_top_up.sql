-- Auto top-up: the account's opt-in settings, the card saved for payments without the user, why it is paused; each top-up a purchase with its reason and the crossing it answers (one purchase per crossing).
ALTER TABLE "accounts" ADD COLUMN "auto_top_up" jsonb;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "saved_method" jsonb;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "reason" text DEFAULT 'checkout' NOT NULL;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "crossing_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "purchases_crossing_idx" ON "purchases" USING btree ("account_id","crossing_key") WHERE "crossing_key" IS NOT NULL;
