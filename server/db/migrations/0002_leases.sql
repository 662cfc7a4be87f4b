-- Leases on generations: the instance that holds a run and until when (database time), so that several servers can share one PostgreSQL.
ALTER TABLE "generations" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "generations" ADD COLUMN "lease_expires_at_ms" bigint;--> statement-breakpoint
CREATE INDEX "generations_lease_idx" ON "generations" USING btree ("status","lease_expires_at_ms");