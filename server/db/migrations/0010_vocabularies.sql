-- Vocabularies in the database: each status, kind, period and reason column accepts only its words (shared/ and server/db/schema.ts; server/db/vocabularies.test.ts keeps these lists equal to them). A NULL passes, as before. The checks are added NOT VALID, so no row written before them can stop the migration, then validated one by one: a check that older rows break stays NOT VALID with a warning naming it, those rows are kept as they are, and every row written or changed from now on is checked.
ALTER TABLE "grants" ADD CONSTRAINT "grants_kind_check" CHECK ("kind" IN ('daily', 'trial', 'subscription', 'pack', 'bonus', 'adjustment')) NOT VALID;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_kind_check" CHECK ("kind" IN ('grant', 'expiry', 'hold', 'capture', 'release', 'void', 'refund', 'purchase', 'adjustment', 'payment_failed')) NOT VALID;--> statement-breakpoint
ALTER TABLE "generations" ADD CONSTRAINT "generations_status_check" CHECK ("status" IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'expired', 'canceled')) NOT VALID;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_status_check" CHECK ("status" IN ('active', 'captured', 'voided')) NOT VALID;--> statement-breakpoint
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_kind_check" CHECK ("kind" IN ('pack', 'subscription', 'renewal')) NOT VALID;--> statement-breakpoint
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_status_check" CHECK ("status" IN ('pending', 'paid', 'failed', 'canceled', 'refunded', 'disputed')) NOT VALID;--> statement-breakpoint
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_period_check" CHECK ("period" IN ('weekly', 'monthly', 'yearly')) NOT VALID;--> statement-breakpoint
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_reason_check" CHECK ("reason" IN ('checkout', 'auto_top_up')) NOT VALID;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_period_check" CHECK ("period" IN ('weekly', 'monthly', 'yearly')) NOT VALID;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_next_period_check" CHECK ("next_period" IN ('weekly', 'monthly', 'yearly')) NOT VALID;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_status_check" CHECK ("status" IN ('active', 'past_due', 'canceled')) NOT VALID;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_status_check" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'canceled')) NOT VALID;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_funding_check" CHECK ("funding" IN ('allowance', 'credits')) NOT VALID;--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_stage_check" CHECK ("stage" IN ('queued', 'preparing', 'training', 'saving', 'done')) NOT VALID;--> statement-breakpoint
ALTER TABLE "training_allowance_entries" ADD CONSTRAINT "training_allowance_entries_kind_check" CHECK ("kind" IN ('use', 'return')) NOT VALID;--> statement-breakpoint
ALTER TABLE "training_allowance_entries" ADD CONSTRAINT "training_allowance_entries_period_check" CHECK ("period" IN ('weekly', 'yearly')) NOT VALID;--> statement-breakpoint
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated AND conname IN ('grants_kind_check', 'ledger_entries_kind_check', 'generations_status_check', 'holds_status_check', 'purchases_kind_check', 'purchases_status_check', 'purchases_period_check', 'purchases_reason_check', 'subscriptions_period_check', 'subscriptions_next_period_check', 'subscriptions_status_check', 'trainings_status_check', 'trainings_funding_check', 'trainings_stage_check', 'training_allowance_entries_kind_check', 'training_allowance_entries_period_check') LOOP
    BEGIN
      EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tbl, c.conname);
    EXCEPTION WHEN check_violation THEN
      RAISE WARNING 'check % is kept NOT VALID: rows written before it break it (they are kept; new and changed rows are checked)', c.conname;
    END;
  END LOOP;
END $$;
