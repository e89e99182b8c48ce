-- The control feed: revocations and key changes that every edge must apply, in commit order.
-- Written in the same transaction as the change (under an advisory lock, so ids commit in order);
-- edges follow it by id over GET /v1/edge/changes. Rows past the retention are purged.
CREATE TABLE "control_events" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "tenantId" TEXT,
    "liveStreamId" TEXT,
    "signingKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "control_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "control_events_createdAt_idx" ON "control_events"("createdAt");
