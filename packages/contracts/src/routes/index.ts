import { accountRoutes } from './account';
import { apiKeyRoutes } from './api-keys';
import { assetRoutes, assetUploadRoutes } from './assets';
import { authRoutes } from './auth';
import { edgeApiRoutes } from './edge-api';
import { edgeRoutes } from './edges';
import { healthRoutes } from './health';
import { liveEventRoutes } from './live-events';
import { liveStreamRoutes } from './live-streams';
import { invitationRoutes, memberRoutes } from './members';
import { playbackRoutes, playbackTokenRoutes, signingKeyRoutes } from './playback';
import type { RouteTable } from './route';
import { sessionRoutes } from './sessions';
import { tenantRoutes } from './tenants';
import { usageRoutes } from './usage';
import { usageAlertRoutes } from './usage-alerts';
import { webhookRoutes } from './webhooks';

/**
 * Every REST route the api serves, by group (one resource each) and name: `routes.liveStreams.rotateKey`.
 * Group and route names are the SDK's method names (`client.liveStreams.rotateKey({ id })`), so groups
 * stay flat. A new route is added here (its group's file) and bound with the api's `@Route(def)`; the
 * api's route-table test fails when a handler and this table disagree.
 */
export const routes = {
  health: healthRoutes,
  auth: authRoutes,
  account: accountRoutes,
  tenants: tenantRoutes,
  members: memberRoutes,
  invitations: invitationRoutes,
  apiKeys: apiKeyRoutes,
  liveStreams: liveStreamRoutes,
  liveEvents: liveEventRoutes,
  sessions: sessionRoutes,
  assets: assetRoutes,
  assetUploads: assetUploadRoutes,
  playbackTokens: playbackTokenRoutes,
  signingKeys: signingKeyRoutes,
  playback: playbackRoutes,
  webhooks: webhookRoutes,
  usage: usageRoutes,
  usageAlerts: usageAlertRoutes,
  edges: edgeRoutes,
  edgeApi: edgeApiRoutes,
} as const satisfies RouteTable;
export type Routes = typeof routes;

export * from './account';
export * from './api-keys';
export * from './assets';
export * from './auth';
export * from './edge-api';
export * from './edges';
export * from './health';
export * from './live-events';
export * from './live-streams';
export * from './members';
export * from './playback';
export * from './route';
export * from './sessions';
export * from './tenants';
export * from './usage';
export * from './usage-alerts';
export * from './webhooks';
