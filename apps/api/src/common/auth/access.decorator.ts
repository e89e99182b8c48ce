import { SetMetadata } from '@nestjs/common';

/**
 * Every route declares who may call it; the global AuthGuard refuses any route
 * without a declaration (DEVELOPERS.md: routes are private by default).
 *  - public:       anyone (health, login, docs)
 *  - user:         any signed-in dashboard user
 *  - operator:     a signed-in platform operator
 *  - edge:         a registered edge (Authorization: Bearer <edge credential>)
 *  - tenant:read / tenant:write: an API key of the tenant with that scope, or a
 *                  member (owner/admin write, member read) or operator naming the
 *                  tenant in X-Tenant-Id
 */
export const ACCESS_RULES = ['public', 'user', 'operator', 'edge', 'tenant:read', 'tenant:write'] as const;
export type AccessRule = (typeof ACCESS_RULES)[number];
export const ACCESS_METADATA = 'tributary:access';

export const Access = (rule: AccessRule) => SetMetadata(ACCESS_METADATA, rule);
