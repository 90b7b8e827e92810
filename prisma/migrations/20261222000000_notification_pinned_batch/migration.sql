-- The batch in flight after the delivered cursor (src/store/productNotifications.ts, pinBatch):
-- every attempt of a batch sends the same changes, so a product that stored a batch whose 2xx
-- was lost (a timeout, a worker or PostgreSQL restart before the cursor moved) receives exactly
-- that batch again, a re-delivery it recognises, and never a grown batch it would ignore.
ALTER TABLE "product_notifications" ADD COLUMN "pending_to" TEXT;
ALTER TABLE "product_notifications" ADD COLUMN "pending_changes" INTEGER;
