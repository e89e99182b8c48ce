/**
 * A minimal Prometheus registry rendering the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
 * Label values here come from small closed sets (auth results, reasons), never from stream names or
 * keys, so series cardinality stays bounded.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  samples(): Array<[Labels, number]>;
}

export class Counter<L extends string = never> implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, [Labels, number]>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Record<L, string> = {} as Record<L, string>, by = 1): void {
    const id = labelId(labels);
    const current = this.values.get(id);
    if (current) current[1] += by;
    else this.values.set(id, [labels, by]);
  }

  get(labels: Record<L, string> = {} as Record<L, string>): number {
    return this.values.get(labelId(labels))?.[1] ?? 0;
  }

  samples(): Array<[Labels, number]> {
    return [...this.values.values()];
  }
}

/**
 * A value read at scrape time from the live state, so it can never drift from it: a gauge, or a
 * counter whose total the state already keeps (bytes moved by sockets, frames dropped by broadcasts).
 */
export class Observed implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly read: () => number,
  ) {}

  samples(): Array<[Labels, number]> {
    return [[{}, this.read()]];
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter<L extends string = never>(name: string, help: string): Counter<L> {
    return this.add(new Counter<L>(name, help));
  }

  gauge(name: string, help: string, read: () => number): Observed {
    return this.add(new Observed(name, help, 'gauge', read));
  }

  observedCounter(name: string, help: string, read: () => number): Observed {
    return this.add(new Observed(name, help, 'counter', read));
  }

  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`);
      for (const [labels, value] of m.samples())
        lines.push(`${m.name}${renderLabels(labels)} ${renderValue(value)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private add<M extends Metric>(metric: M): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric.name))
      throw new Error(`invalid metric name ${metric.name}`);
    if (this.metrics.some((m) => m.name === metric.name))
      throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }
}

function labelId(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`).join(',')}}`;
}

/** The format escapes backslash, double quote and line feed in label values. */
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function renderValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}
