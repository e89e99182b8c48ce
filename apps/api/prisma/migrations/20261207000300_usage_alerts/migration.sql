-- Usage alerts (issue 15): a tenant's thresholds on its usage in the current UTC day or month, each firing one
-- usage.threshold webhook event per (alert, period) (src/modules/usage/usage-meter.ts).
CREATE TYPE "UsageMetric" AS ENUM ('viewerMinutes', 'egressBytes', 'ingestBytes');
CREATE TYPE "UsagePeriodKind" AS ENUM ('day', 'month');

CREATE TABLE "usage_alerts" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "metric" "UsageMetric" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "period" "UsagePeriodKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "usage_alerts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "usage_alerts_tenantId_createdAt_idx" ON "usage_alerts"("tenantId", "createdAt");
-- The heartbeat's probe: the alerts whose threshold lies between a counter's value before and after it.
CREATE INDEX "usage_alerts_tenantId_period_metric_threshold_idx" ON "usage_alerts"("tenantId", "period", "metric", "threshold");
ALTER TABLE "usage_alerts" ADD CONSTRAINT "usage_alerts_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Running totals of the current day and month beside usage_hours, written in the same statement, so a heartbeat
-- knows the period's value without summing up to 744 hours.
CREATE TABLE "usage_periods" (
    "tenantId" TEXT NOT NULL,
    "period" "UsagePeriodKind" NOT NULL,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "viewerSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "egressBytes" BIGINT NOT NULL DEFAULT 0,
    "ingestBytes" BIGINT NOT NULL DEFAULT 0,
    -- Whether the tenant has (or had, during the period) alerts of this period kind: heartbeats of the others
    -- skip the alert probe.
    "alerts" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "usage_periods_pkey" PRIMARY KEY ("tenantId", "period", "periodStart")
);
ALTER TABLE "usage_periods" ADD CONSTRAINT "usage_periods_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- The periods so far, from the hours recorded before this migration (UTC: the database's timestamps are UTC).
INSERT INTO "usage_periods" ("tenantId", "period", "periodStart", "viewerSeconds", "egressBytes", "ingestBytes")
SELECT "tenantId", 'day', date_trunc('day', "periodStart"), sum("viewerSeconds"), sum("egressBytes"), sum("ingestBytes")
  FROM "usage_hours" GROUP BY 1, 3;
INSERT INTO "usage_periods" ("tenantId", "period", "periodStart", "viewerSeconds", "egressBytes", "ingestBytes")
SELECT "tenantId", 'month', date_trunc('month', "periodStart"), sum("viewerSeconds"), sum("egressBytes"), sum("ingestBytes")
  FROM "usage_hours" GROUP BY 1, 3;

-- One row per (alert, period) that fired: the unique key that makes the event exactly once.
CREATE TABLE "usage_alert_firings" (
    "alertId" TEXT NOT NULL,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "tenantId" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_alert_firings_pkey" PRIMARY KEY ("alertId", "periodStart")
);
ALTER TABLE "usage_alert_firings" ADD CONSTRAINT "usage_alert_firings_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "usage_alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "usage_alert_firings" ADD CONSTRAINT "usage_alert_firings_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Row-level security, as for every tenant-owned table (migration 20261206000300_row_level_security).
GRANT SELECT, INSERT, UPDATE, DELETE ON "usage_alerts", "usage_periods", "usage_alert_firings" TO tributary_tenant;
ALTER TABLE "usage_alerts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "usage_alerts" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "usage_alerts" TO tributary_tenant
  USING ("tenantId" = current_setting('app.tenant_id', true))
  WITH CHECK ("tenantId" = current_setting('app.tenant_id', true));
CREATE POLICY "unscoped_access" ON "usage_alerts" TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE "usage_periods" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "usage_periods" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "usage_periods" TO tributary_tenant
  USING ("tenantId" = current_setting('app.tenant_id', true))
  WITH CHECK ("tenantId" = current_setting('app.tenant_id', true));
CREATE POLICY "unscoped_access" ON "usage_periods" TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE "usage_alert_firings" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "usage_alert_firings" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "usage_alert_firings" TO tributary_tenant
  USING ("tenantId" = current_setting('app.tenant_id', true))
  WITH CHECK ("tenantId" = current_setting('app.tenant_id', true));
CREATE POLICY "unscoped_access" ON "usage_alert_firings" TO CURRENT_USER USING (true) WITH CHECK (true);
