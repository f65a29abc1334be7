-- Tokens issued before this migration each start a family of their own (their sign-in is not known).
ALTER TABLE "refresh_tokens" ADD COLUMN "family" text;--> statement-breakpoint
UPDATE "refresh_tokens" SET "family" = "token_hash";--> statement-breakpoint
ALTER TABLE "refresh_tokens" ALTER COLUMN "family" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD COLUMN "rotated_at" bigint;--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family");
