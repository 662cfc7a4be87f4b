-- Receipts: what each payment was, with what method, from which country; renewals are purchases of their own.
ALTER TABLE "purchases" ADD COLUMN "payment_brand" text;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "payment_last4" text;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "billing_country" text;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "grant_expires_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "refunded_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "purchases" ADD COLUMN "refunded_minor" bigint;
