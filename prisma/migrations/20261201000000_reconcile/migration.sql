-- CreateTable
CREATE TABLE "sync_checkpoints" (
    "connection_id" TEXT NOT NULL,
    "cursor" TEXT,
    "high_water_mark" BIGINT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_checkpoints_pkey" PRIMARY KEY ("connection_id")
);

-- CreateTable
CREATE TABLE "reconcile_runs" (
    "id" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "pages" INTEGER NOT NULL DEFAULT 0,
    "records_seen" INTEGER NOT NULL DEFAULT 0,
    "records_changed" INTEGER NOT NULL DEFAULT 0,
    "records_deleted" INTEGER NOT NULL DEFAULT 0,
    "duration_ms" INTEGER,
    "checkpoint_reached" TEXT,
    "error" TEXT,

    CONSTRAINT "reconcile_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconcile_seen_ids" (
    "run_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,

    CONSTRAINT "reconcile_seen_ids_pkey" PRIMARY KEY ("run_id","object_type","object_id")
);

-- CreateIndex
CREATE INDEX "reconcile_runs_connection_id_started_at_idx" ON "reconcile_runs"("connection_id", "started_at");

-- AddForeignKey
ALTER TABLE "sync_checkpoints" ADD CONSTRAINT "sync_checkpoints_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reconcile_runs" ADD CONSTRAINT "reconcile_runs_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

