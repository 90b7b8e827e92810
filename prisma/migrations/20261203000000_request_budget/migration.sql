-- One request budget per connection, shared by all its runs (incremental, full diff, restore) on any worker.
-- AlterTable
ALTER TABLE "sync_checkpoints" ADD COLUMN     "next_request_at" TIMESTAMPTZ(3);

