-- CreateTable
CREATE TABLE "connections" (
    "id" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "api_base_url" TEXT,
    "secrets_enc" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "object_version" BIGINT,
    "status" TEXT NOT NULL DEFAULT 'received',
    "outcome" TEXT,
    "delivery_count" INTEGER NOT NULL DEFAULT 1,
    "workflow_id" TEXT NOT NULL,
    "payload" BYTEA,
    "payload_bytes" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "applied_version" BIGINT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "accepted_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_records" (
    "connection_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "data" JSONB,
    "write_count" INTEGER NOT NULL DEFAULT 1,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_records_pkey" PRIMARY KEY ("connection_id","object_type","object_id")
);

-- CreateIndex
CREATE INDEX "webhook_events_connection_id_status_received_at_idx" ON "webhook_events"("connection_id", "status", "received_at");

-- CreateIndex
CREATE INDEX "webhook_events_connection_id_object_type_object_id_idx" ON "webhook_events"("connection_id", "object_type", "object_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_connection_id_event_id_key" ON "webhook_events"("connection_id", "event_id");

-- AddForeignKey
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_records" ADD CONSTRAINT "sync_records_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

