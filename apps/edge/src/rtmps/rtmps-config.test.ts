import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@tributary/service-kit';
import { parseEdgeConfig } from '../config';

describe('edge config: RTMPS', () => {
  it('is off by default (no certificate), port 1936, 5 s TLS handshake deadline', () => {
    const cfg = parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123' });
    assert.equal(cfg.RTMPS_CERT_FILE, undefined);
    assert.equal(cfg.RTMPS_KEY_FILE, undefined);
    assert.equal(cfg.RTMPS_HOST, undefined, 'RTMP_HOST applies');
    assert.equal(cfg.RTMPS_PORT, 1936);
    assert.equal(cfg.RTMPS_HANDSHAKE_TIMEOUT_MS, 5000);
    assert.equal(cfg.RTMPS_CERT_CHECK_INTERVAL_MS, 5000);
    assert.equal(cfg.RTMPS_MAX_TLS_VERSION, 'TLSv1.2');
  });

  it('wants the certificate and the key together, and bounds the deadlines', () => {
    for (const vars of [
      { RTMPS_CERT_FILE: '/tls/tls.crt' },
      { RTMPS_KEY_FILE: '/tls/tls.key' },
      { RTMPS_CERT_FILE: '/a', RTMPS_KEY_FILE: '/b', RTMPS_HANDSHAKE_TIMEOUT_MS: '100' },
      { RTMPS_CERT_FILE: '/a', RTMPS_KEY_FILE: '/b', RTMPS_CERT_CHECK_INTERVAL_MS: '10' },
      { RTMPS_PORT: '70000' },
      { RTMPS_MAX_TLS_VERSION: 'TLSv1.1' },
    ]) {
      assert.throws(
        () => parseEdgeConfig({ EDGE_API_TOKEN: 'edge_credential_123', ...vars }),
        (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('RTMPS_')),
        JSON.stringify(vars),
      );
    }
    const on = parseEdgeConfig({
      EDGE_API_TOKEN: 'edge_credential_123',
      RTMPS_CERT_FILE: '/tls/tls.crt',
      RTMPS_KEY_FILE: '/tls/tls.key',
      RTMPS_PORT: '443',
    });
    assert.equal(on.RTMPS_PORT, 443);
  });
});
