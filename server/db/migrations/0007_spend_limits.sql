-- Spend limits: what a creator (or the operator) allows per day, week and month, on the account's row (its lock serialises every hold against them); and the index that finds a window's captures.
ALTER TABLE "accounts" ADD COLUMN "spend_limits" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "holds_account_settled_idx" ON "holds" USING btree ("account_id","settled_at_ms");
