import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { browserScript, commonJsGraph } from '@tributary/test-kit';

/**
 * The SDK must run in browsers: its compiled main entry, through @tributary/contracts and zod, requires no
 * Node built-in, and runs in a context holding only what a page has (fetch, URL, TextEncoder, Web
 * Crypto), with no require, process or Buffer. The edge's sdk-browser test runs the same script in
 * Chromium against a real api.
 */
const ENTRY = require.resolve('@tributary/sdk');

describe('the SDK main entry', () => {
  it('requires no Node built-in anywhere in its graph', () => {
    const graph = commonJsGraph(ENTRY);
    assert.deepEqual(graph.builtins, []);
    const files = [...graph.modules.keys()];
    assert.ok(
      files.some((f) => f.includes('/contracts/dist/')),
      'contracts is in the graph',
    );
    assert.ok(
      files.some((f) => f.includes('/zod/')),
      'zod is in the graph',
    );
  });

  it('loads and verifies a webhook with only web globals', async () => {
    const script = browserScript(commonJsGraph(ENTRY), 'TributarySdk');
    const page: Record<string, unknown> = {
      fetch,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      AbortSignal,
      Response,
      Headers,
      crypto: globalThis.crypto,
      console,
    };
    page.globalThis = page;
    runInNewContext(script, page, { filename: 'tributary-sdk.js' });
    const sdk = page.TributarySdk as typeof import('@tributary/sdk');
    assert.equal(typeof sdk.Tributary, 'function');
    const t = 1_800_000_000;
    const body = '{"id":"evt"}';
    const header = `t=${t},v1=${createHmac('sha256', 'whsec_x').update(`${t}.${body}`).digest('hex')}`;
    assert.equal(
      await sdk.verifyWebhookSignature({ payload: body, header, secret: 'whsec_x', now: t * 1000 }),
      true,
    );
    const tb = new sdk.Tributary({ baseUrl: 'http://127.0.0.1:1' });
    assert.equal(typeof tb.liveStreams.list, 'function');
  });
});
