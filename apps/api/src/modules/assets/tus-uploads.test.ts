import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { uploadIdTenant } from './tus-uploads';

/** Upload ids carry their tenant (tus-uploads.ts): the parser every tus request's tenant check relies on. */

const tenantId = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/).map((s) => `tn_${s}`);
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);

test('an upload id made for a tenant names that tenant', () => {
  fc.assert(
    fc.property(tenantId, hex32, (tenant, random) => {
      assert.equal(uploadIdTenant(`${tenant}.${random}`), tenant);
    }),
  );
});

test('anything else names no tenant: never a prefix of a longer or path-like id', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (id) => {
      const tenant = uploadIdTenant(id);
      if (tenant === undefined) return;
      // Whatever matched is exactly the shape made above, nothing more.
      assert.match(id, /^tn_[A-Za-z0-9_-]{1,64}\.[0-9a-f]{32}$/);
      assert.equal(id.slice(0, tenant.length + 1), `${tenant}.`);
    }),
  );
  fc.assert(
    fc.property(
      tenantId,
      hex32,
      fc.constantFrom('/', '\\', '\0', '..', '.', ' ', '%2f'),
      (tenant, random, junk) => {
        assert.equal(uploadIdTenant(`${tenant}.${random}${junk}`), undefined);
        assert.equal(uploadIdTenant(`${junk}${tenant}.${random}`), undefined);
      },
    ),
  );
  assert.equal(uploadIdTenant(undefined), undefined);
  assert.equal(uploadIdTenant(''), undefined);
});
