-- Money in: purchases (packs and plan checkouts), the payment provider's events seen (dedupe), subscriptions, and legacy plans an account has left.
CREATE TABLE "purchases" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL REFERENCES "accounts"("id"),
	"kind" text NOT NULL,
	"pack_id" text,
	"plan_id" text,
	"period" text,
	"name" text NOT NULL,
	"credits_mc" bigint NOT NULL,
	"price_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"country" text NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"provider_session_id" text,
	"provider_payment_id" text,
	"checkout_url" text NOT NULL DEFAULT '',
	"grant_id" text,
	"taken_back_mc" bigint NOT NULL DEFAULT 0,
	"failure_code" text,
	"failure_message" text,
	"created_at_ms" bigint NOT NULL,
	"updated_at_ms" bigint NOT NULL,
	"paid_at_ms" bigint
);--> statement-breakpoint
CREATE INDEX "purchases_account_idx" ON "purchases" USING btree ("account_id","created_at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "purchases_payment_idx" ON "purchases" USING btree ("provider","provider_payment_id");--> statement-breakpoint
CREATE TABLE "payment_events" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"received_at_ms" bigint NOT NULL,
	CONSTRAINT "payment_events_pk" PRIMARY KEY("provider","event_id")
);--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"account_id" text PRIMARY KEY NOT NULL REFERENCES "accounts"("id"),
	"plan_id" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"current_period_start_ms" bigint NOT NULL,
	"current_period_end_ms" bigint NOT NULL,
	"cancel_at_period_end" boolean NOT NULL DEFAULT false,
	"next_plan_id" text,
	"next_period" text,
	"grace_until_ms" bigint,
	"provider" text NOT NULL,
	"provider_subscription_id" text,
	"purchase_id" text,
	"updated_at_ms" bigint NOT NULL
);--> statement-breakpoint
CREATE INDEX "subscriptions_provider_idx" ON "subscriptions" USING btree ("provider","provider_subscription_id");--> statement-breakpoint
CREATE TABLE "left_plans" (
	"account_id" text NOT NULL REFERENCES "accounts"("id"),
	"plan_id" text NOT NULL,
	"left_at_ms" bigint NOT NULL,
	CONSTRAINT "left_plans_pk" PRIMARY KEY("account_id","plan_id")
);
