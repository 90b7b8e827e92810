-- The change feed (docs/change-feed.md): record_changes holds one row per content
-- change of a sync_records row, written by triggers in the writer's own
-- transaction, so no write path can change a record without a feed entry.

-- AlterTable
ALTER TABLE "sync_records" ADD COLUMN     "feed_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "feed_xid" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "record_changes" (
    "feed_seq" BIGSERIAL NOT NULL,
    "feed_xid" BIGINT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "deleted" BOOLEAN NOT NULL,
    "data" JSONB,
    "source" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "record_changes_pkey" PRIMARY KEY ("feed_seq")
);

-- CreateIndex
CREATE INDEX "record_changes_connection_id_feed_xid_feed_seq_idx" ON "record_changes"("connection_id", "feed_xid", "feed_seq");

-- CreateIndex
CREATE INDEX "sync_records_connection_id_object_type_feed_xid_feed_seq_idx" ON "sync_records"("connection_id", "object_type", "feed_xid", "feed_seq");

-- AddForeignKey
ALTER TABLE "record_changes" ADD CONSTRAINT "record_changes_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Records that exist before the feed: one entry each, at position (0, n), so a
-- reader starting from the beginning sees every record once.
UPDATE "sync_records" SET "feed_xid" = 0, "feed_seq" = nextval('record_changes_feed_seq_seq');
INSERT INTO "record_changes" ("feed_seq", "feed_xid", "connection_id", "object_type", "object_id", "version", "deleted", "data", "source", "changed_at")
SELECT "feed_seq", "feed_xid", "connection_id", "object_type", "object_id", "version", "deleted", "data", "source", "updated_at" FROM "sync_records";

-- A row's feed position moves only when its content (deleted, data) changes: a
-- fence (newer version, same content) is not a change and keeps its position.
-- feed_xid is the writer's xid, or the row's previous feed_xid when that is
-- larger: a writer with an older xid that commits after a younger one on the
-- same row must not sort before it (docs/change-feed.md, "Order per record").
-- OLD is the row version this transaction locked, i.e. the newest committed one.
CREATE FUNCTION "sync_records_feed_stamp"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.deleted IS NOT DISTINCT FROM OLD.deleted AND NEW.data IS NOT DISTINCT FROM OLD.data THEN
      NEW.feed_xid := OLD.feed_xid;
      NEW.feed_seq := OLD.feed_seq;
      RETURN NEW;
    END IF;
    NEW.feed_xid := greatest(pg_current_xact_id()::text::bigint, OLD.feed_xid);
  ELSE
    NEW.feed_xid := pg_current_xact_id()::text::bigint;
  END IF;
  NEW.feed_seq := nextval('record_changes_feed_seq_seq');
  RETURN NEW;
END $$;

-- AFTER triggers fire only for the action performed (an INSERT ... ON CONFLICT
-- that updates fires the UPDATE ones), so each change appends exactly one entry.
CREATE FUNCTION "sync_records_feed_append"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "record_changes" ("feed_seq", "feed_xid", "connection_id", "object_type", "object_id", "version", "deleted", "data", "source", "changed_at")
  VALUES (NEW.feed_seq, NEW.feed_xid, NEW.connection_id, NEW.object_type, NEW.object_id, NEW.version, NEW.deleted, NEW.data, NEW.source, NEW.updated_at);
  RETURN NULL;
END $$;

CREATE TRIGGER "sync_records_feed_stamp" BEFORE INSERT OR UPDATE ON "sync_records"
  FOR EACH ROW EXECUTE FUNCTION "sync_records_feed_stamp"();
CREATE TRIGGER "sync_records_feed_insert" AFTER INSERT ON "sync_records"
  FOR EACH ROW EXECUTE FUNCTION "sync_records_feed_append"();
CREATE TRIGGER "sync_records_feed_update" AFTER UPDATE ON "sync_records"
  FOR EACH ROW WHEN (NEW.feed_seq IS DISTINCT FROM OLD.feed_seq) EXECUTE FUNCTION "sync_records_feed_append"();
