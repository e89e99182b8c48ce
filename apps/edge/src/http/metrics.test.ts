import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry } from './metrics';

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const auth = registry.counter<'result'>('edge_publish_auth_total', 'Publish authorisations by result.');
    let viewers = 3;
    registry.gauge('edge_viewers', 'Viewers playing now.', () => viewers);
    auth.inc({ result: 'allowed' });
    auth.inc({ result: 'allowed' });
    auth.inc({ result: 'unknown_key' }, 3);
    viewers = 4;
    assert.equal(
      registry.render(),
      [
        '# HELP edge_publish_auth_total Publish authorisations by result.',
        '# TYPE edge_publish_auth_total counter',
        'edge_publish_auth_total{result="allowed"} 2',
        'edge_publish_auth_total{result="unknown_key"} 3',
        '# HELP edge_viewers Viewers playing now.',
        '# TYPE edge_viewers gauge',
        'edge_viewers 4',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and help text as the format requires', () => {
    const registry = new MetricsRegistry();
    registry.counter<'reason'>('x_total', 'line one\nback\\slash').inc({ reason: 'a "quoted"\\\nvalue' });
    assert.equal(
      registry.render(),
      '# HELP x_total line one\\nback\\\\slash\n# TYPE x_total counter\nx_total{reason="a \\"quoted\\"\\\\\\nvalue"} 1\n',
    );
  });

  it('sorts labels so the same set is one series whatever the insertion order', () => {
    const registry = new MetricsRegistry();
    const c = registry.counter<'a' | 'b'>('y_total', 'y');
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '2', a: '1' });
    assert.equal(c.get({ a: '1', b: '2' }), 2);
    assert.match(registry.render(), /^y_total\{a="1",b="2"\} 2$/m);
  });

  it('renders an observed counter with the counter type', () => {
    const registry = new MetricsRegistry();
    registry.observedCounter('bytes_total', 'Bytes.', () => 42);
    assert.equal(
      registry.render(),
      '# HELP bytes_total Bytes.\n# TYPE bytes_total counter\nbytes_total 42\n',
    );
  });

  it('renders special float values', () => {
    const registry = new MetricsRegistry();
    registry.gauge('nan_value', 'n', () => Number.NaN);
    registry.gauge('inf_value', 'i', () => Number.POSITIVE_INFINITY);
    assert.match(registry.render(), /^nan_value NaN$/m);
    assert.match(registry.render(), /^inf_value \+Inf$/m);
  });

  it('rejects invalid and duplicate metric names', () => {
    const registry = new MetricsRegistry();
    registry.counter('ok_total', 'ok');
    assert.throws(() => registry.counter('ok_total', 'again'), /registered twice/);
    assert.throws(() => registry.gauge('bad-name', 'b', () => 0), /invalid metric name/);
  });
});
