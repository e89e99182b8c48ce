import { z } from 'zod';
import { SafeNameSchema } from '../names';
import { AssetSchema, ListQuerySchema, listOf, UpdateAssetInputSchema } from '../resources';
import { type RouteGroup, route } from './route';

/** GET /v1/assets: a page, and optionally only one live stream's recordings. */
export const AssetListQuerySchema = ListQuerySchema.extend({
  // An id (names.ts alphabet): a NUL sent on to Postgres failed the request with a 500.
  liveStreamId: SafeNameSchema.optional(),
});
export type AssetListQuery = z.input<typeof AssetListQuerySchema>;

const tag = 'assets';

/** On-demand assets: uploaded files and recordings of live sessions. */
export const assetRoutes = {
  list: route({
    method: 'GET',
    path: '/v1/assets',
    summary: 'List on-demand assets (liveStreamId: only the recordings of that live stream)',
    tag,
    access: 'tenant:read',
    query: AssetListQuerySchema,
    response: listOf(AssetSchema),
    status: 200,
  }),
  /**
   * One-request upload: multipart/form-data with the file in field `file` (and optionally the
   * ASSET_UPLOAD_FIELDS `name`, `playbackPolicy`); the answer is the asset in `preparing`.
   */
  upload: route({
    method: 'POST',
    path: '/v1/assets',
    summary: 'Upload an MP4 or FLV file (multipart/form-data, field "file")',
    tag,
    access: 'tenant:write',
    requestBody: 'multipart',
    response: AssetSchema,
    status: 201,
  }),
  get: route({
    method: 'GET',
    path: '/v1/assets/{id}',
    summary: 'Get an asset',
    tag,
    access: 'tenant:read',
    response: AssetSchema,
    status: 200,
  }),
  update: route({
    method: 'PATCH',
    path: '/v1/assets/{id}',
    summary: 'Rename an asset or change its playback policy',
    tag,
    access: 'tenant:write',
    body: UpdateAssetInputSchema,
    response: AssetSchema,
    status: 200,
  }),
  delete: route({
    method: 'DELETE',
    path: '/v1/assets/{id}',
    summary: 'Delete an asset and its file',
    tag,
    access: 'tenant:write',
    status: 204,
  }),
} as const satisfies RouteGroup;

const tus = { tag, requestBody: 'tus', responseBody: 'tus', internal: true } as const;

/**
 * Resumable uploads, the tus 1.0.0 protocol under /v1/assets/uploads: its own clients (tus-js-client,
 * Uppy) speak it, so these are left out of the OpenAPI document and the SDK. POST creates
 * (Upload-Length, Upload-Metadata), HEAD answers the offset, PATCH appends at it, DELETE terminates;
 * OPTIONS is the protocol's discovery and CORS preflight.
 */
export const assetUploadRoutes = {
  discover: route({
    method: 'OPTIONS',
    path: '/v1/assets/uploads',
    summary: 'tus discovery (versions, extensions, max size) and CORS preflight',
    access: 'public',
    status: 204,
    ...tus,
  }),
  preflight: route({
    method: 'OPTIONS',
    path: '/v1/assets/uploads/{id}',
    summary: "CORS preflight for an upload's requests",
    access: 'public',
    status: 204,
    ...tus,
  }),
  create: route({
    method: 'POST',
    path: '/v1/assets/uploads',
    summary: 'Create an upload (Upload-Length), optionally with its first bytes',
    access: 'tenant:write',
    status: 201,
    ...tus,
  }),
  offset: route({
    method: 'HEAD',
    path: '/v1/assets/uploads/{id}',
    summary: "An upload's Upload-Offset (where to resume)",
    access: 'tenant:write',
    status: 200,
    ...tus,
  }),
  append: route({
    method: 'PATCH',
    path: '/v1/assets/uploads/{id}',
    summary: 'Append bytes at Upload-Offset; the last PATCH answers Asset-Id',
    access: 'tenant:write',
    status: 204,
    ...tus,
  }),
  terminate: route({
    method: 'DELETE',
    path: '/v1/assets/uploads/{id}',
    summary: 'Terminate an upload and free its bytes',
    access: 'tenant:write',
    status: 204,
    ...tus,
  }),
  refuseRead: route({
    method: 'GET',
    path: '/v1/assets/uploads/{id}',
    summary: 'Refused (405): an upload is never served; once finished it is an asset',
    access: 'tenant:write',
    status: 405,
    ...tus,
  }),
} as const satisfies RouteGroup;
