-- The workflow records its own event row (thin ack); run_id makes that write idempotent per run.
-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "run_id" TEXT;
