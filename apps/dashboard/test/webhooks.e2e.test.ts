import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WebhookEndpoint } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import { consolePage, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The webhooks pages in a real browser against a running api and a local receiver (node:http on
 * 127.0.0.1, allowed through WEBHOOK_ALLOWED_HOSTS): the owner adds an endpoint and copies the secret
 * shown once, an event arrives signed with it and shows in the delivery log, redeliver sends the same
 * event again, and disabling the endpoint is saved.
 */
describe('webhooks in the dashboard', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let receiver: Server;
  let tenantId = '';
  let streamId = '';
  const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const consoleErrors: string[] = [];
  const owner = { email: 'owner@webhooks.test', password: 'owner-password-1' };

  const waitFor = async (n: number) => {
    const deadline = Date.now() + 20_000;
    while (got.length < n) {
      assert.ok(Date.now() < deadline, `receiver got ${got.length} of ${n}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('received');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const port = (receiver.address() as AddressInfo).port;
    stack = await startStack({ apiEnv: { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}` } });
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = await rest.tenantWithOwner('Hooked', { ...owner, name: 'Wanda Webhook' });
    streamId = (
      await rest.request<{ id: string }>('POST', '/v1/live-streams', { body: { name: 'hooked' }, tenantId })
    ).id;
    browser = await launchChromium();
    page = await consolePage(browser, consoleErrors);
    await signIn(page, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    receiver?.closeAllConnections();
    receiver?.close();
  });

  it('adds an endpoint (secret shown once), shows signed deliveries in the log, redelivers, disables', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}/from-dashboard`;
    await page.goto(`${stack.dashboardUrl}/webhooks`);
    await page.getByText('No webhook endpoints yet').waitFor();
    // A private address is refused with the reason, next to the field.
    await page.getByLabel('URL').fill('http://169.254.169.254/latest');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page
      .getByText(/link-local/)
      .first()
      .waitFor();
    await page.getByLabel('URL').fill(url);
    await page.getByLabel('Description').fill('backend');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const once = page.getByTestId('shown-once');
    await once.waitFor();
    const secret = (await once.locator('code').innerText()).trim();
    assert.match(secret, /^whsec_/);
    await page.getByTestId('webhook-row').filter({ hasText: url }).waitFor();
    const [hook] = (await rest.request<{ data: WebhookEndpoint[] }>('GET', '/v1/webhooks', { tenantId }))
      .data;
    assert.ok(hook);
    assert.deepEqual(hook.events, [
      'live_stream.active',
      'live_stream.idle',
      'live_stream.disabled',
      'live_stream.deleted',
    ]);

    await rest.request('POST', `/v1/live-streams/${streamId}/disable`, { tenantId });
    await waitFor(1);
    const first = got[0] as (typeof got)[number];
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(first.headers['tributary-signature']));
    assert.ok(m);
    assert.equal(createHmac('sha256', secret).update(`${m[1]}.${first.body}`).digest('hex'), m[2]);
    const event = JSON.parse(first.body) as { id: string; type: string };
    assert.equal(event.type, 'live_stream.disabled');

    await page.getByTestId('webhook-row').filter({ hasText: url }).getByRole('link').click();
    await page.waitForURL(/\/webhooks\/wh_/);
    const row = page.getByTestId('delivery-row').filter({ hasText: event.id });
    await row.getByText('succeeded').waitFor({ timeout: 15_000 });
    await row.getByText('200').waitFor();
    await page.screenshot({ path: join(artifactsDir, 'webhook-delivery-log.png'), fullPage: true });
    await row.getByRole('button', { name: 'Redeliver' }).click();
    await waitFor(2);
    assert.equal((JSON.parse((got[1] as (typeof got)[number]).body) as { id: string }).id, event.id);

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    const saved = await rest.request<WebhookEndpoint>('GET', `/v1/webhooks/${hook.id}`, { tenantId });
    assert.equal(saved.enabled, false);
    assert.deepEqual(consoleErrors, []);
  });
});
