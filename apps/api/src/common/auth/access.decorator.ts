import { SetMetadata } from '@nestjs/common';
import { ROUTE_ACCESS, type RouteAccess } from '@tributary/contracts';

/**
 * Every route declares who may call it: its route-table entry's `access` (contracts RouteAccess says
 * what each rule admits), applied by @Route. The global AuthGuard refuses any route without a
 * declaration (DEVELOPERS.md: routes are private by default).
 */
export const ACCESS_RULES = ROUTE_ACCESS;
export type AccessRule = RouteAccess;
export const ACCESS_METADATA = 'tributary:access';

export const Access = (rule: AccessRule) => SetMetadata(ACCESS_METADATA, rule);
