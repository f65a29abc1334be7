-- Rows stored before this migration: the highest of their per-field HLCs; a tombstone kept none, so it gets
-- the server's HLC at its deletion (its delete's HLC was not stored).
ALTER TABLE "projects" ADD COLUMN "max_hlc" text;
--> statement-breakpoint
UPDATE "projects" SET "max_hlc" = coalesce((SELECT max(f.value COLLATE "C") FROM json_each_text("hlc"::json) f), lpad(coalesce("deleted_at", 0)::text, 15, '0') || '-00000-server');
--> statement-breakpoint
ALTER TABLE "projects" ALTER COLUMN "max_hlc" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "max_hlc" text;
--> statement-breakpoint
UPDATE "tasks" SET "max_hlc" = coalesce((SELECT max(f.value COLLATE "C") FROM json_each_text("hlc"::json) f), lpad(coalesce("deleted_at", 0)::text, 15, '0') || '-00000-server');
--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "max_hlc" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "timers" ADD COLUMN "max_hlc" text;
--> statement-breakpoint
UPDATE "timers" SET "max_hlc" = coalesce((SELECT max(f.value COLLATE "C") FROM json_each_text("hlc"::json) f), lpad(coalesce("deleted_at", 0)::text, 15, '0') || '-00000-server');
--> statement-breakpoint
ALTER TABLE "timers" ALTER COLUMN "max_hlc" SET NOT NULL;
