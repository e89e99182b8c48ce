-- Per-tenant caps on object counts (signing keys, API keys, live streams, scheduled or live events);
-- NULL keeps the api's TENANT_MAX_* default. Enforced in src/modules/tenants/quotas.ts.
ALTER TABLE "tenants" ADD COLUMN "quotaSigningKeys" INTEGER;
ALTER TABLE "tenants" ADD COLUMN "quotaApiKeys" INTEGER;
ALTER TABLE "tenants" ADD COLUMN "quotaLiveStreams" INTEGER;
ALTER TABLE "tenants" ADD COLUMN "quotaLiveEvents" INTEGER;
