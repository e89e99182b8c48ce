import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_METADATA, type AccessRule } from '../../src/common/auth/access.decorator';

export interface RouteInfo {
  method: string;
  path: string;
  access: AccessRule | 'NONE';
  /** `Controller.method`, to name the handler in a failure. */
  handlerName: string;
  /** The handler and its controller, whose metadata the guard and interceptors read. */
  handler: (...args: never[]) => unknown;
  controller: new (...args: never[]) => unknown;
}

/** Every route the running app serves, with its @Access rule, read from Nest's metadata. */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const ctrl = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!ctrl) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
      for (const name of Object.getOwnPropertyNames(ctrl.prototype)) {
        const handler = (ctrl.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler);
        if (sub === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? '?';
        const access = (Reflect.getMetadata(ACCESS_METADATA, handler) ??
          Reflect.getMetadata(ACCESS_METADATA, ctrl) ??
          'NONE') as RouteInfo['access'];
        const path = `/${[base, String(sub)].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({
          method,
          path,
          access,
          handlerName: `${ctrl.name}.${name}`,
          handler: handler as RouteInfo['handler'],
          controller: ctrl,
        });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
