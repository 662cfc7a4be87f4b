-- Pinned holds: the credits each active hold reserves, grant by grant, so that a grant expiring under a hold keeps them until it settles.
CREATE TABLE "hold_pins" (
	"hold_id" text NOT NULL,
	"grant_id" text NOT NULL,
	"amount_mc" bigint NOT NULL,
	CONSTRAINT "hold_pins_hold_id_grant_id_pk" PRIMARY KEY("hold_id","grant_id")
);
--> statement-breakpoint
ALTER TABLE "hold_pins" ADD CONSTRAINT "hold_pins_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hold_pins" ADD CONSTRAINT "hold_pins_grant_id_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."grants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hold_pins_grant_idx" ON "hold_pins" USING btree ("grant_id");