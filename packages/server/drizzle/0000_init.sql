CREATE TABLE "op_ledger" (
	"user_id" uuid NOT NULL,
	"op_id" uuid NOT NULL,
	"content_hash" text NOT NULL,
	"result" jsonb,
	"created_at" bigint NOT NULL,
	CONSTRAINT "op_ledger_user_id_op_id_pk" PRIMARY KEY("user_id","op_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"user_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"version" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"deleted_at" bigint,
	"hlc" text DEFAULT '{}' NOT NULL,
	"name" text,
	"color" text,
	"archived" boolean,
	"created_at" bigint,
	"updated_at" bigint,
	CONSTRAINT "projects_user_id_id_pk" PRIMARY KEY("user_id","id")
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"expires_at" bigint NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"user_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"version" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"deleted_at" bigint,
	"hlc" text DEFAULT '{}' NOT NULL,
	"title" text,
	"description" text,
	"status" text,
	"project_id" uuid,
	"due_at" bigint,
	"created_at" bigint,
	"updated_at" bigint,
	CONSTRAINT "tasks_user_id_id_pk" PRIMARY KEY("user_id","id")
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"user_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"version" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"deleted_at" bigint,
	"hlc" text DEFAULT '{}' NOT NULL,
	"task_id" uuid,
	"project_id" uuid,
	"note" text,
	"started_at" bigint,
	"stopped_at" bigint,
	"created_at" bigint,
	"updated_at" bigint,
	CONSTRAINT "timers_user_id_id_pk" PRIMARY KEY("user_id","id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"pruned_version" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "op_ledger_created_idx" ON "op_ledger" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "projects_user_version_idx" ON "projects" USING btree ("user_id","version");--> statement-breakpoint
CREATE INDEX "projects_tombstone_idx" ON "projects" USING btree ("deleted_at") WHERE deleted;--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_idx" ON "refresh_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_expires_idx" ON "refresh_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "tasks_user_version_idx" ON "tasks" USING btree ("user_id","version");--> statement-breakpoint
CREATE INDEX "tasks_tombstone_idx" ON "tasks" USING btree ("deleted_at") WHERE deleted;--> statement-breakpoint
CREATE INDEX "timers_user_version_idx" ON "timers" USING btree ("user_id","version");--> statement-breakpoint
CREATE INDEX "timers_tombstone_idx" ON "timers" USING btree ("deleted_at") WHERE deleted;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_idx" ON "users" USING btree ("email");