-- A recording's live stream (issue 12: a stream's recordings, GET /v1/assets?liveStreamId=); null for uploads.
ALTER TABLE "assets" ADD COLUMN "liveStreamId" TEXT;
CREATE INDEX "assets_tenantId_liveStreamId_createdAt_idx" ON "assets"("tenantId", "liveStreamId", "createdAt");
