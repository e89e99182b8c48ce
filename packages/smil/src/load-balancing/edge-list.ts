import { SmilError, SmilErrorCode } from '../errors';
import { SmilDocument } from '../smil/smil-document';
import { checkBaseUrl, checkEdgeId, checkPlayQuery, checkStreamSource } from '../smil/value-rules';
import type { XmlElement } from '../xml/xml-parser';
import { presentAttributes, writeXml, xmlElement } from '../xml/xml-writer';

/**
 * An edge fleet as a SMIL document: one `<meta base="rtmp://edge/app"/>` per edge in
 * the `<head>`, the form Flash-era players and Wowza's load balancer use to point a
 * client at a server. An optional `id` (SMIL 2.0) or `xml:id` (SMIL 3.0) names the
 * edge as the api knows it, so load figures can be joined to it.
 */
export interface EdgeList {
  edges: EdgeEntry[];
}

export interface EdgeEntry {
  /** The edge's application URL, e.g. `rtmp://edge1.example.com/live`. */
  base: string;
  /** The edge's id in the api, when known. */
  id?: string;
}

/** Far more edges than one fleet runs; bounds the list and selection. */
export const MAX_EDGES = 1000;

/** Parses an edge list. `<meta>` elements without a base (titles, authors) are ignored. */
export function parseEdgeListSmil(input: string | Uint8Array): EdgeList {
  const doc = SmilDocument.read(input);
  const entries: Array<{ entry: EdgeEntry; meta: XmlElement }> = [];
  for (const meta of doc.metas()) {
    const base = doc.metaBase(meta);
    if (base === undefined) continue;
    const entry: EdgeEntry = { base };
    const id = readId(doc, meta);
    if (id !== undefined) entry.id = id;
    entries.push({ entry, meta });
  }
  const list = { edges: entries.map((e) => e.entry) };
  const problem = findEdgeListProblem(list);
  if (problem) {
    const at = problem.edge === undefined ? doc.root : entries[problem.edge]!.meta;
    doc.fail(at, SmilErrorCode.InvalidValue, problem.detail);
  }
  return list;
}

/** Writes an edge list that `parseEdgeListSmil` reads back to an equal value. */
export function generateEdgeListSmil(list: EdgeList): string {
  throwIfProblem(findEdgeListProblem(list));
  const metas = list.edges.map((edge) =>
    xmlElement(
      'meta',
      presentAttributes([
        ['base', edge.base],
        ['id', edge.id],
      ]),
    ),
  );
  return writeXml(xmlElement('smil', [], [xmlElement('head', [], metas), xmlElement('body', [])]));
}

/** What a player reads from a redirect SMIL: where to connect, and what to play there. */
export interface EdgeRedirect {
  edge: EdgeEntry;
  streamName: string;
  /** Carried to the edge with the play name (`token=<jwt>` for signed streams). */
  query?: string;
}

/**
 * The small SMIL a player fetches to be sent to an edge: the edge's base URL and the
 * stream to play there (`<meta base/>` + `<video src/>`), as Wowza's load balancer
 * answers SMIL redirect requests. A query (a playback token) rides on the src, so the
 * player hands it to the edge with its play command.
 */
export function renderEdgeRedirectSmil(edge: EdgeEntry, streamName: string, query?: string): string {
  throwIfProblem(
    findEdgeProblem(edge) ??
      prefixed('stream', checkStreamSource(streamName)) ??
      (query === undefined ? undefined : prefixed('query', checkPlayQuery(query))),
  );
  const src = query === undefined ? streamName : `${streamName}?${query}`;
  const head = xmlElement('head', [], [xmlElement('meta', [['base', edge.base]])]);
  const body = xmlElement('body', [], [xmlElement('video', [['src', src]])]);
  return writeXml(xmlElement('smil', [], [head, body]));
}

/** Reads what renderEdgeRedirectSmil writes: the first edge base and the first `<video src>`. */
export function parseEdgeRedirectSmil(input: string | Uint8Array): EdgeRedirect {
  // Annotated, so that TypeScript narrows after doc.fail (which never returns).
  const doc: SmilDocument = SmilDocument.read(input);
  const edges = parseEdgeListSmil(input).edges;
  const edge = edges[0];
  if (!edge) doc.fail(doc.root, SmilErrorCode.InvalidValue, 'the redirect has no <meta base>');
  const video = doc.body?.children.find((c) => c.name === 'video');
  const src = video?.attributes.get('src');
  if (!video || src === undefined)
    doc.fail(doc.body ?? doc.root, SmilErrorCode.InvalidValue, 'the redirect has no <video src>');
  const at = src.indexOf('?');
  const streamName = at < 0 ? src : src.slice(0, at);
  const query = at < 0 ? undefined : src.slice(at + 1);
  const problem =
    prefixed('stream', checkStreamSource(streamName)) ??
    (query === undefined ? undefined : prefixed('query', checkPlayQuery(query)));
  if (problem) doc.fail(video, SmilErrorCode.InvalidValue, problem);
  return query === undefined ? { edge, streamName } : { edge, streamName, query };
}

interface EdgeListProblem {
  edge?: number;
  detail: string;
}

function findEdgeListProblem(list: EdgeList): EdgeListProblem | undefined {
  if (list.edges.length === 0) return { detail: 'the edge list has no <meta base> entries' };
  if (list.edges.length > MAX_EDGES)
    return { detail: `${list.edges.length} edges, more than the limit of ${MAX_EDGES}` };
  const seen = new Set<string>();
  for (const [index, edge] of list.edges.entries()) {
    const label = `edge ${index + 1} (${edge.base})`;
    const problem = findEdgeProblem(edge);
    if (problem) return { edge: index, detail: `${label}: ${problem}` };
    // Bases and ids share one namespace: either may be the key load figures are filed under.
    for (const key of [edge.base, edge.id]) {
      if (key === undefined) continue;
      if (seen.has(key)) return { edge: index, detail: `${label}: "${key}" names another edge too` };
      seen.add(key);
    }
  }
  return undefined;
}

function findEdgeProblem(edge: EdgeEntry): string | undefined {
  return (
    prefixed('base', checkBaseUrl(edge.base)) ??
    (edge.id === undefined ? undefined : prefixed('id', checkEdgeId(edge.id)))
  );
}

function readId(doc: SmilDocument, meta: XmlElement): string | undefined {
  const id = meta.attributes.get('id');
  const xmlId = meta.attributes.get('xml:id');
  if (id !== undefined && xmlId !== undefined && id !== xmlId) {
    doc.fail(meta, SmilErrorCode.InvalidValue, '<meta> has different id and xml:id');
  }
  return id ?? xmlId;
}

function prefixed(field: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${field}: ${problem}`;
}

function throwIfProblem(problem: EdgeListProblem | string | undefined): void {
  if (problem === undefined) return;
  throw new SmilError(SmilErrorCode.InvalidValue, typeof problem === 'string' ? problem : problem.detail);
}
