import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@tributary/service-kit';
import { parseEdgeConfig } from './config';

describe('edge config', () => {
  it('applies the documented defaults', () => {
    const cfg = parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' });
    assert.equal(cfg.EDGE_API_URL, 'http://127.0.0.1:4000');
    assert.equal(cfg.RTMP_HOST, '0.0.0.0');
    assert.equal(cfg.RTMP_PORT, 1935);
    assert.equal(cfg.HTTP_PORT, 8080);
    assert.equal(cfg.RTMP_APP, 'live');
    assert.equal(cfg.API_TIMEOUT_MS, 3000);
    assert.equal(cfg.AUTH_CACHE_MAX_TTL_SECONDS, 30);
  });

  it('has an authmod=adobe sign-in application that is not the plain one', () => {
    assert.equal(parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' }).RTMP_AUTH_APP, 'live-auth');
    assert.throws(
      () => parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123', RTMP_AUTH_APP: 'live' }),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('RTMP_AUTH_APP')),
    );
  });

  it('requires the edge credential', () => {
    assert.throws(
      () => parseEdgeConfig({}),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('EDGE_API_TOKEN')),
    );
  });

  it('names every bad variable and never echoes the credential', () => {
    try {
      parseEdgeConfig({
        EDGE_API_TOKEN: 'short',
        RTMP_PORT: '70000',
        RTMP_APP: '../x',
        API_TIMEOUT_MS: '9000',
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const name of ['EDGE_API_TOKEN', 'RTMP_PORT', 'RTMP_APP', 'API_TIMEOUT_MS'])
        assert.match(text, new RegExp(name));
      assert.doesNotMatch(text, /"short"/);
    }
  });

  it('defaults HLS to MPEG-TS, 2 s segments, no LL-HLS, and keeps parts within segments', () => {
    const cfg = parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' });
    assert.deepEqual(
      [cfg.HLS_FORMAT, cfg.HLS_TARGET_DURATION_MS, cfg.HLS_LOW_LATENCY],
      ['mpegts', 2000, false],
    );
    assert.throws(
      () =>
        parseEdgeConfig({
          EDGE_API_TOKEN: 'edge_credential_123',
          HLS_TARGET_DURATION_MS: '1000',
          HLS_PART_TARGET_MS: '1500',
        }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('HLS_PART_TARGET_MS')),
    );
    assert.throws(
      () =>
        parseEdgeConfig({
          EDGE_API_TOKEN: 'edge_credential_123',
          HLS_VIEWER_WINDOW_SECONDS: '30',
          HLS_IDLE_TIMEOUT_SECONDS: '30',
        }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('HLS_VIEWER_WINDOW_SECONDS')),
    );
    assert.throws(
      () => parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123', HLS_FORMAT: 'webm' }),
      ConfigError,
    );
  });

  it('keeps the api timeout within the 5 s fail-closed bound', () => {
    assert.throws(
      () => parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123', API_TIMEOUT_MS: '5001' }),
      ConfigError,
    );
    assert.equal(
      parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123', API_TIMEOUT_MS: '5000' }).API_TIMEOUT_MS,
      5000,
    );
  });
  it('load balancing: no caps by default; caps, region and public URL are checked', () => {
    const cfg = parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' });
    assert.equal(cfg.EDGE_MAX_VIEWERS, undefined);
    assert.equal(cfg.EDGE_MAX_EGRESS_MBPS, undefined);
    const capped = parseEdgeConfig({
      EDGE_API_TOKEN: 'edge_credential_123',
      EDGE_MAX_VIEWERS: '300',
      EDGE_MAX_EGRESS_MBPS: '950.5',
      EDGE_REGION: 'eu-west',
      EDGE_PUBLIC_RTMP_URL: 'rtmp://edge-1.example.com/live',
    });
    assert.equal(capped.EDGE_MAX_VIEWERS, 300);
    assert.equal(capped.EDGE_MAX_EGRESS_MBPS, 950.5);
    assert.equal(capped.EDGE_REGION, 'eu-west');
    assert.throws(
      () =>
        parseEdgeConfig({
          EDGE_API_TOKEN: 'edge_credential_123',
          EDGE_MAX_VIEWERS: '0',
          EDGE_PUBLIC_RTMP_URL: 'http://edge-1/live',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('EDGE_MAX_VIEWERS')) &&
        err.problems.some((p) => p.startsWith('EDGE_PUBLIC_RTMP_URL')),
    );
  });

  it('distribution: relay defaults, and upstream and internal URLs must be rtmp:// URLs', () => {
    const cfg = parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' });
    assert.equal(cfg.RELAY_ENABLED, true);
    assert.equal(cfg.RELAY_LINGER_MS, 5000);
    assert.equal(cfg.RELAY_STALL_TIMEOUT_MS, 4000);
    assert.equal(cfg.RELAY_RETRY_MS, 2000);
    assert.equal(cfg.EDGE_UPSTREAM_URL, undefined);
    const mid = parseEdgeConfig({
      EDGE_API_TOKEN: 'edge_credential_123',
      EDGE_UPSTREAM_URL: 'rtmp://mid.internal:1935/live',
      EDGE_INTERNAL_RTMP_URL: 'rtmp://10.0.0.7:1935/live',
    });
    assert.equal(mid.EDGE_UPSTREAM_URL, 'rtmp://mid.internal:1935/live');
    assert.equal(mid.EDGE_INTERNAL_RTMP_URL, 'rtmp://10.0.0.7:1935/live');
    assert.throws(
      () =>
        parseEdgeConfig({
          EDGE_API_TOKEN: 'edge_credential_123',
          EDGE_UPSTREAM_URL: 'http://mid.internal/live',
          RELAY_STALL_TIMEOUT_MS: '10',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('EDGE_UPSTREAM_URL')) &&
        err.problems.some((p) => p.startsWith('RELAY_STALL_TIMEOUT_MS')),
    );
  });
});
