-- CreateIndex
CREATE INDEX "webhook_events_status_id_idx" ON "webhook_events"("status", "id");

