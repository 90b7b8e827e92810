-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "first_failed_at" TIMESTAMPTZ(3),
ADD COLUMN     "resolution" TEXT;

-- CreateTable
CREATE TABLE "operator_actions" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "event_row_id" BIGINT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "result" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operator_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_groups" (
    "kind" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,
    "suppressed_count" INTEGER NOT NULL DEFAULT 0,
    "last_alert" JSONB,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_groups_pkey" PRIMARY KEY ("kind","connection_id")
);

-- CreateIndex
CREATE INDEX "operator_actions_connection_id_created_at_idx" ON "operator_actions"("connection_id", "created_at");

-- CreateIndex
CREATE INDEX "operator_actions_event_row_id_idx" ON "operator_actions"("event_row_id");

