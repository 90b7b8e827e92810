-- CreateIndex
CREATE INDEX "webhook_events_finished_at_idx" ON "webhook_events"("finished_at");

