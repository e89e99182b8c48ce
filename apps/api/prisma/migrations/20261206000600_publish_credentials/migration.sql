-- Publish credentials (FMLE authentication, authmod=adobe): at most one per live stream, found by a
-- username unique across the platform (the encoder's connect names no tenant or stream). "secret" is
-- base64(md5(username + salt + password)), what the Adobe challenge needs: password-equivalent for
-- this scheme (as on every authmod=adobe server), never the password itself, never returned.
CREATE TABLE "publish_credentials" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "liveStreamId" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "publish_credentials_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "publish_credentials_liveStreamId_key" ON "publish_credentials"("liveStreamId");
CREATE UNIQUE INDEX "publish_credentials_username_key" ON "publish_credentials"("username");
CREATE INDEX "publish_credentials_tenantId_idx" ON "publish_credentials"("tenantId");
ALTER TABLE "publish_credentials" ADD CONSTRAINT "publish_credentials_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "publish_credentials" ADD CONSTRAINT "publish_credentials_liveStreamId_fkey" FOREIGN KEY ("liveStreamId") REFERENCES "live_streams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security, as for every tenant-owned table (migration 20261206000300_row_level_security).
GRANT SELECT, INSERT, UPDATE, DELETE ON "publish_credentials" TO tributary_tenant;
ALTER TABLE "publish_credentials" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "publish_credentials" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "publish_credentials" TO tributary_tenant
  USING ("tenantId" = current_setting('app.tenant_id', true))
  WITH CHECK ("tenantId" = current_setting('app.tenant_id', true));
CREATE POLICY "unscoped_access" ON "publish_credentials" TO CURRENT_USER USING (true) WITH CHECK (true);

-- Challenges answered (their opaque's nonce), shared by every api instance: a second answer to the same
-- challenge, through any edge, finds its row and is refused. Rows go once the challenge has expired.
CREATE TABLE "publish_auth_nonces" (
    "nonce" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "publish_auth_nonces_pkey" PRIMARY KEY ("nonce")
);
CREATE INDEX "publish_auth_nonces_expiresAt_idx" ON "publish_auth_nonces"("expiresAt");
