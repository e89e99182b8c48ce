-- On-demand assets (issue 12): uploaded files (and, later, recordings) with what indexing found.
CREATE TYPE "AssetStatus" AS ENUM ('preparing', 'ready', 'errored');

CREATE TABLE "assets" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "playbackId" TEXT NOT NULL,
    "playbackPolicy" "PlaybackPolicy" NOT NULL DEFAULT 'public',
    "status" "AssetStatus" NOT NULL DEFAULT 'preparing',
    "error" TEXT,
    "source" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "durationMs" DOUBLE PRECISION,
    "videoCodec" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "frameRate" DOUBLE PRECISION,
    "audioCodec" TEXT,
    "sampleRate" INTEGER,
    "channels" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "assets_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "assets_playbackId_key" ON "assets"("playbackId");
CREATE INDEX "assets_tenantId_createdAt_idx" ON "assets"("tenantId", "createdAt");
ALTER TABLE "assets" ADD CONSTRAINT "assets_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A tenant's own cap on assets (null: TENANT_MAX_ASSETS).
ALTER TABLE "tenants" ADD COLUMN "quotaAssets" INTEGER;

-- Row-level security, as for every tenant-owned table (migration 20261206000300_row_level_security).
GRANT SELECT, INSERT, UPDATE, DELETE ON "assets" TO tributary_tenant;
ALTER TABLE "assets" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "assets" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "assets" TO tributary_tenant
  USING ("tenantId" = current_setting('app.tenant_id', true))
  WITH CHECK ("tenantId" = current_setting('app.tenant_id', true));
CREATE POLICY "unscoped_access" ON "assets" TO CURRENT_USER USING (true) WITH CHECK (true);
