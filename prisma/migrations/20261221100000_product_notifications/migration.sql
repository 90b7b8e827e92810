-- CreateTable
CREATE TABLE "product_notifications" (
    "connection_id" TEXT NOT NULL,
    "cursor" TEXT,
    "cursor_xid" BIGINT,
    "cursor_seq" BIGINT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "failed_attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "parked_at" TIMESTAMPTZ(3),
    "last_delivered_at" TIMESTAMPTZ(3),
    "delivered_batches" BIGINT NOT NULL DEFAULT 0,
    "delivered_changes" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_notifications_pkey" PRIMARY KEY ("connection_id")
);

-- NOTIFY on channel `syncline_changes` (docs/notifications.md) for products that
-- share the database: one notification per (statement, connection) that changed
-- records, with the position of the statement's newest feed entry as a cursor
-- ("c1." + base64url("<xid>.<seq>"), src/store/feedCursor.ts). Statement-level
-- triggers on sync_records (a reconciliation page of 500 records is one
-- notification, not 500); rows whose feed position predates this transaction
-- are fences (no feed entry) and are left out. pg_notify is transactional:
-- delivered when the writer commits, never for a rollback, and identical
-- payloads of one transaction are folded into one. The payload is a wake-up,
-- not data: read the feed from your own stored cursor (the named entry may
-- become readable a moment after the commit, once older transactions end).
CREATE FUNCTION "sync_records_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('syncline_changes', json_build_object(
            'connectionId', n.connection_id,
            'cursor', 'c1.' || rtrim(translate(encode(convert_to(n.feed_xid::text || '.' || n.feed_seq::text, 'UTF8'), 'base64'), '+/', '-_'), '=')
          )::text)
  FROM (SELECT DISTINCT ON (connection_id) connection_id, feed_xid, feed_seq
        FROM changed WHERE feed_xid >= pg_current_xact_id()::text::bigint
        ORDER BY connection_id, feed_xid DESC, feed_seq DESC) n;
  RETURN NULL;
END $$;

CREATE TRIGGER "sync_records_notify_insert" AFTER INSERT ON "sync_records"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "sync_records_notify"();
CREATE TRIGGER "sync_records_notify_update" AFTER UPDATE ON "sync_records"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "sync_records_notify"();
