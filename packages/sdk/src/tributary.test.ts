import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes } from '@tributary/contracts';
import { createTributary, Tributary } from './tributary';

describe('Tributary', () => {
  it('has one endpoint per route of the table but internal and edge-only ones', () => {
    const tb = new Tributary({ baseUrl: 'http://api.test' });
    const groups = tb as unknown as Record<string, Record<string, { routeName: string; route: unknown }>>;
    let count = 0;
    for (const [group, defs] of Object.entries(routes)) {
      for (const [name, def] of Object.entries(defs)) {
        const endpoint = groups[group]?.[name];
        if (def.internal || def.access === 'edge')
          assert.equal(endpoint, undefined, `${group}.${name} is left out`);
        else {
          assert.equal(endpoint?.route, def, `${group}.${name}`);
          assert.equal(endpoint?.routeName, `${group}.${name}`);
          count++;
        }
      }
    }
    assert.ok(count > 50, `${count} endpoints`);
    assert.equal('edgeApi' in tb, false, 'no edge-only group');
    assert.ok(createTributary({ baseUrl: 'http://api.test' }) instanceof Tributary);
  });
});
