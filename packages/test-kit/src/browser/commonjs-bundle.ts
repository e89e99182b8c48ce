import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';

/**
 * The compiled CommonJS import graph of a package entry, resolved as Node resolves it (exports maps,
 * the `require` condition), and a browser script of it: what a test needs to prove code runs in a page
 * without Node built-ins, with no bundler in the repository. Only static `require("…")` calls are
 * followed (what tsc emits); a dynamic require is not seen.
 */
export interface GraphModule {
  /** Absolute path of the compiled file. */
  file: string;
  source: string;
  /** Each `require` specifier of this file → the file it resolves to (absent: a Node built-in). */
  requires: Map<string, string>;
}

export interface ImportGraph {
  entry: string;
  modules: Map<string, GraphModule>;
  /** Node built-ins required anywhere, with the files requiring them: `node:crypto ← dist/src/x.js`. */
  builtins: { specifier: string; from: string }[];
}

/** Bounds the walk (a package graph with zod is ~100 files). */
const MAX_MODULES = 2000;
const REQUIRE = /\brequire\(\s*(['"])([^'"\n]+)\1\s*\)/g;

export function commonJsGraph(entry: string): ImportGraph {
  const modules = new Map<string, GraphModule>();
  const builtins: ImportGraph['builtins'] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (modules.has(file)) continue;
    if (modules.size >= MAX_MODULES)
      throw new Error(`import graph of ${entry} exceeds ${MAX_MODULES} modules`);
    const source = readFileSync(file, 'utf8');
    const requires = new Map<string, string>();
    for (const m of source.matchAll(REQUIRE)) {
      const spec = m[2] as string;
      if (isBuiltin(spec)) {
        builtins.push({ specifier: spec, from: file });
        continue;
      }
      const target = require.resolve(spec, { paths: [dirname(file)] });
      requires.set(spec, target);
      queue.push(target);
    }
    modules.set(file, { file, source, requires });
  }
  return { entry, modules, builtins };
}

/**
 * One classic script defining `globalThis[globalName]` as the entry's exports: each module wrapped in a
 * function (require, module, exports), required lazily as Node would. Refuses a graph with built-ins.
 */
export function browserScript(graph: ImportGraph, globalName: string): string {
  if (graph.builtins.length > 0)
    throw new Error(
      `not for a browser: ${graph.builtins.map((b) => `${b.specifier} ← ${b.from}`).join(', ')}`,
    );
  const ids = new Map([...graph.modules.keys()].map((file, i) => [file, i]));
  const defs = [...graph.modules.values()].map((m) => {
    const map = Object.fromEntries([...m.requires].map(([spec, file]) => [spec, ids.get(file)]));
    return `[function (require, module, exports) {\n${m.source}\n}, ${JSON.stringify(map)}]`;
  });
  return `(function () {
var defs = [${defs.join(',\n')}];
var cache = {};
function load(id) {
  if (cache[id]) return cache[id].exports;
  var module = { exports: {} };
  cache[id] = module;
  var def = defs[id];
  def[0].call(module.exports, function (spec) {
    var target = def[1][spec];
    if (target === undefined) throw new Error('not in the bundle: ' + spec);
    return load(target);
  }, module, module.exports);
  return module.exports;
}
globalThis[${JSON.stringify(globalName)}] = load(${ids.get(graph.entry)});
})();
`;
}
