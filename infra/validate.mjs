#!/usr/bin/env node
// Static checks of infra/ that need no cluster, no helm and no docker:
//
//   node infra/validate.mjs
//
// 1. values.yaml parses, and every `.Values.a.b.c` a template references exists in it.
// 2. Every template's `{{ if/with/range/define }}` blocks are closed by an `{{ end }}`.
// 3. Every manifest template is well-formed YAML once its template actions are stripped
//    (whole-line actions removed, inline ones replaced by a placeholder scalar), and every
//    document has apiVersion, kind and metadata.name.
// 4. Every workload container has readiness and liveness probes, requests and limits,
//    and a security context.
// 5. Every environment variable the chart sets is one the app's config schema reads
//    (apps/<app>/src/config.ts), so a renamed variable is caught here, not in production.
// 6. Each Dockerfile builds from node:20-slim, runs `npm ci`, ends as a non-root user and
//    starts the same entry point as the app's `npm start`.
//
// What this does NOT verify: that helm renders the chart (functions such as include,
// toYaml, add are not evaluated), that Kubernetes accepts the objects (no schema check),
// or that the images build. See infra/README.md, "What is verified".
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const infraDir = dirname(fileURLToPath(import.meta.url));
const repoDir = join(infraDir, '..');
const chartDir = join(infraDir, 'helm', 'tributary');
const templatesDir = join(chartDir, 'templates');
const dockerDir = join(infraDir, 'docker');

const require = createRequire(join(repoDir, 'package.json'));
let yaml;
try {
  // js-yaml is in the root node_modules (a dependency of @nestjs/swagger); no install needed.
  yaml = require('js-yaml');
} catch {
  console.error('infra/validate.mjs needs js-yaml in the root node_modules (npm ci at the repository root).');
  process.exit(2);
}

const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) failures.push(what);
}

const read = (path) => readFileSync(path, 'utf8');
const values = yaml.load(read(join(chartDir, 'values.yaml')));
check(values !== null && typeof values === 'object', 'values.yaml is a mapping');
const chart = yaml.load(read(join(chartDir, 'Chart.yaml')));
check(
  chart.apiVersion === 'v2' && chart.name === 'tributary' && typeof chart.version === 'string',
  'Chart.yaml has apiVersion v2, name and version',
);

const templateFiles = readdirSync(templatesDir).sort();
const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;

// 1. .Values references resolve.
for (const file of templateFiles) {
  const text = read(join(templatesDir, file));
  for (const [, path] of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
    const keys = path.slice(1).split('.');
    let node = values;
    for (const key of keys)
      node = node !== null && typeof node === 'object' && key in node ? node[key] : undefined;
    check(node !== undefined, `${file}: .Values${path} is not defined in values.yaml`);
  }
}

// 2. Block structure.
for (const file of templateFiles) {
  const text = read(join(templatesDir, file));
  let depth = 0;
  for (const [, body] of text.matchAll(ACTION)) {
    if (/^(if|with|range|define|block)\b/.test(body)) depth++;
    else if (/^end\b/.test(body)) depth--;
    check(depth >= 0, `${file}: {{ end }} without an open block`);
  }
  check(depth === 0, `${file}: ${depth} block(s) not closed by {{ end }}`);
  check(!/\{\{(?![\s\S]*?\}\})/.test(text), `${file}: unterminated {{ action`);
}

// 3. Manifests are YAML once actions are stripped.
const manifests = [];
for (const file of templateFiles.filter((f) => f.endsWith('.yaml'))) {
  const stripped = read(join(templatesDir, file))
    .split('\n')
    .filter((line) => !/^\s*\{\{[\s\S]*\}\}\s*$/.test(line))
    .map((line) => line.replace(ACTION, 'placeholder'))
    .join('\n');
  let docs = [];
  try {
    docs = yaml.loadAll(stripped).filter((d) => d !== null);
  } catch (err) {
    check(
      false,
      `${file}: not well-formed YAML after stripping template actions: ${err.message.split('\n')[0]}`,
    );
  }
  for (const doc of docs) {
    check(
      typeof doc.apiVersion === 'string' && typeof doc.kind === 'string',
      `${file}: a document without apiVersion/kind`,
    );
    check(typeof doc.metadata?.name === 'string', `${file}: a ${doc.kind} without metadata.name`);
    manifests.push({ file, doc });
  }
}
const kinds = manifests.map((m) => m.doc.kind);
for (const kind of [
  'Deployment',
  'StatefulSet',
  'Service',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Ingress',
  'NetworkPolicy',
  'Secret',
]) {
  check(kinds.includes(kind), `the chart has no ${kind}`);
}

// 4. Workload hygiene.
for (const { file, doc } of manifests.filter((m) => ['Deployment', 'StatefulSet'].includes(m.doc.kind))) {
  const pod = doc.spec?.template?.spec ?? {};
  for (const c of pod.containers ?? []) {
    check(
      c.readinessProbe && c.livenessProbe,
      `${file}: container ${c.name} lacks a readiness or liveness probe`,
    );
    check(
      c.resources !== undefined && c.securityContext !== undefined,
      `${file}: container ${c.name} lacks resources or securityContext`,
    );
  }
}
for (const component of ['api', 'edge']) {
  const resources = values[component].resources;
  check(
    resources?.requests && resources?.limits,
    `values.yaml: ${component}.resources needs requests and limits`,
  );
  const text = read(
    join(templatesDir, component === 'api' ? 'api-deployment.yaml' : 'edge-statefulset.yaml'),
  );
  check(
    /terminationGracePeriodSeconds:/.test(text) && /preStop:/.test(text),
    `${component}: needs preStop and terminationGracePeriodSeconds`,
  );
}
const drainSeconds = Number(values.edge.env.DRAIN_TIMEOUT_MS) / 1000;
check(
  drainSeconds > 0 && drainSeconds <= 20,
  'values.yaml: edge.env.DRAIN_TIMEOUT_MS must be within the edge limit (0, 20000]',
);

// 5. Environment variables match the apps' config schemas.
function configKeys(app) {
  const source = read(join(repoDir, 'apps', app, 'src', 'config.ts'));
  return new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]));
}
function chartEnv(templateFile, valuesEnv) {
  const text = read(join(templatesDir, templateFile));
  const literal = [...text.matchAll(/- name: ([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]);
  return [...literal, ...Object.keys(valuesEnv ?? {})];
}
// The keys of the api's Secret (secret.yaml, or secrets.existingSecret); the api takes them all (envFrom).
const secretKeys = ['DATABASE_URL', 'SECRETS_KEY', 'BOOTSTRAP_OPERATOR_PASSWORD', 'TRUSTED_PROXY_SECRET'];
const envByApp = {
  api: [...chartEnv('api-deployment.yaml', values.api.env), ...secretKeys],
  // The edge reads EDGE_API_TOKEN from its per-pod Secret file (edge-statefulset.yaml).
  edge: [...chartEnv('edge-statefulset.yaml', values.edge.env), 'EDGE_API_TOKEN'],
  dashboard: chartEnv('dashboard-deployment.yaml', values.dashboard.env),
};
// PORT is read by `next start`, not by the dashboard's own config.
// POD_NAME: the downward API's pod name, only to build EDGE_INTERNAL_RTMP_URL in the manifest ($(POD_NAME)).
const readOutsideConfig = { api: [], edge: ['POD_NAME'], dashboard: ['PORT'] };
for (const [app, names] of Object.entries(envByApp)) {
  const known = configKeys(app);
  for (const name of names) {
    check(
      known.has(name) || readOutsideConfig[app].includes(name),
      `${app}: the chart sets ${name}, which apps/${app}/src/config.ts does not read`,
    );
  }
}
const secretTemplate = read(join(templatesDir, 'secret.yaml'));
for (const key of secretKeys) check(secretTemplate.includes(`${key}:`), `secret.yaml does not carry ${key}`);
// Keys other pods take from that Secret one by one must be keys it carries; and the dashboard's
// API_PROXY_SECRET must be the api's TRUSTED_PROXY_SECRET, or the api never believes the browser IP
// the dashboard forwards and counts every sign-in against the dashboard pod.
const secretRefs = {};
for (const file of templateFiles) {
  const text = read(join(templatesDir, file));
  const refs = text.matchAll(
    /- name: ([A-Z][A-Z0-9_]+)\s+valueFrom:\s+secretKeyRef:\s+name: (.+)\s+key: (\S+)/g,
  );
  for (const [, name, secret, key] of refs) {
    if (!secret.includes('tributary.apiSecretName')) continue;
    check(
      secretKeys.includes(key),
      `${file}: ${name} reads key ${key}, which the api's Secret does not carry`,
    );
    secretRefs[`${file}:${name}`] = key;
  }
}
check(
  secretRefs['dashboard-deployment.yaml:API_PROXY_SECRET'] === 'TRUSTED_PROXY_SECRET',
  "dashboard-deployment.yaml: API_PROXY_SECRET must come from the api's Secret, key TRUSTED_PROXY_SECRET",
);

// 6. Dockerfiles.
for (const app of ['api', 'edge', 'dashboard']) {
  const dockerfile = read(join(dockerDir, `${app}.Dockerfile`));
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  check(
    froms.length >= 2 && froms.every((f) => f === 'node:20-slim'),
    `${app}.Dockerfile: every stage must be node:20-slim (multi-stage)`,
  );
  check(/\bnpm ci\b/.test(dockerfile), `${app}.Dockerfile: dependencies must come from npm ci`);
  const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  check(
    users.length > 0 && !['root', '0'].includes(users.at(-1)),
    `${app}.Dockerfile: must end as a non-root USER`,
  );
  const start = JSON.parse(read(join(repoDir, 'apps', app, 'package.json'))).scripts?.start ?? '';
  const entry = /node (\S+)/.exec(start)?.[1];
  if (entry)
    check(
      dockerfile.includes(`apps/${app}/${entry}`),
      `${app}.Dockerfile: CMD does not run apps/${app}/${entry} (its npm start)`,
    );
  else
    check(
      /next start/.test(start) && /next\/dist\/bin\/next", "start"/.test(dockerfile),
      `${app}.Dockerfile: CMD does not run next start`,
    );
}

if (failures.length > 0) {
  for (const f of failures) console.error(`✖ ${f}`);
  console.error(`infra: ${failures.length} of ${checks} checks failed`);
  process.exit(1);
}
console.log(
  `infra: ${checks} checks passed (${templateFiles.length} templates, ${manifests.length} manifests, 3 Dockerfiles)`,
);
