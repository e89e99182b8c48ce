import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The package's layering, checked on its TypeScript sources (type-only imports count: they are the
 * dependencies a reader follows). No import cycles anywhere; the main entry (`@tributary/rtmp-core`)
 * reaches no socket, file or process module, so codecs and packages/media load no I/O code; only
 * src/node/ (the `./node` entry) and test fixtures (testing/ folders) may.
 */

/** dist/src/import-graph.test.js → the package root. */
const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const IO_MODULES = /^node:(net|tls|http|https|http2|dgram|fs|fs\/promises|child_process|worker_threads)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.bench.ts') ? [path] : [];
  });
}

/** Module specifiers of every import and re-export, type-only included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`${relative(ROOT, from)} imports ${spec}, which does not resolve`);
}

const files = sourceFiles(SRC);
const graph = new Map<string, { local: string[]; external: string[] }>();
for (const file of files) {
  const local: string[] = [];
  const external: string[] = [];
  for (const spec of specifiers(file)) {
    const target = resolveLocal(file, spec);
    if (target === undefined) external.push(spec);
    else local.push(target);
  }
  graph.set(file, { local, external });
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) !== indices.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(relative(SRC, w));
      if (w === v) break;
    }
    if (component.length > 1 || graph.get(v)?.local.includes(v)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return found;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const next of graph.get(f)?.local ?? []) walk(next);
  };
  walk(entry);
  return seen;
}

describe('rtmp-core import graph', () => {
  it('has no import cycles (type-only imports included)', () => {
    assert.deepEqual(cycles(), []);
  });

  it('loads no socket, file or process module from the main entry', () => {
    const offenders: string[] = [];
    for (const file of reachable(join(SRC, 'index.ts'))) {
      for (const spec of graph.get(file)?.external ?? [])
        if (IO_MODULES.test(spec)) offenders.push(`${relative(SRC, file)} → ${spec}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('keeps I/O modules in src/node/ and test fixtures (testing/ folders) only', () => {
    const offenders: string[] = [];
    for (const [file, { external }] of graph) {
      const rel = relative(SRC, file);
      if (rel.startsWith('node/') || rel.split('/').includes('testing')) continue;
      for (const spec of external) if (IO_MODULES.test(spec)) offenders.push(`${rel} → ${spec}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('sees the whole package (the walk found the entry points and their layers)', () => {
    const main = reachable(join(SRC, 'index.ts'));
    for (const layer of ['server/server-connection.ts', 'client/rtmp-client.ts', 'transport/transport.ts'])
      assert.ok(main.has(join(SRC, layer)), `${layer} not reached from src/index.ts`);
    assert.ok(reachable(join(SRC, 'node', 'index.ts')).has(join(SRC, 'node', 'socket-transport.ts')));
  });
});
