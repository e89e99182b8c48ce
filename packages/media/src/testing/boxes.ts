// ISO BMFF box walker for tests: the tree of types and payloads (ISO/IEC 14496-12 §4.2).

export interface BoxNode {
  readonly type: string;
  readonly payload: Buffer;
  readonly children: BoxNode[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'dinf']);

export function parseBoxes(bytes: Buffer): BoxNode[] {
  const boxes: BoxNode[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = bytes.readUInt32BE(at);
    if (size < 8 || at + size > bytes.length)
      throw new Error(`box of size ${size} at ${at} overruns ${bytes.length}`);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const payload = bytes.subarray(at + 8, at + size);
    boxes.push({ type, payload, children: CONTAINERS.has(type) ? parseBoxes(payload) : [] });
    at += size;
  }
  return boxes;
}

/** The first box at a path like 'moov/trak/mdia/mdhd'. */
export function findBox(boxes: readonly BoxNode[], path: string): BoxNode | undefined {
  const [head, ...rest] = path.split('/');
  const found = boxes.find((b) => b.type === head);
  return found && rest.length > 0 ? findBox(found.children, rest.join('/')) : found;
}

export function findAll(boxes: readonly BoxNode[], type: string): BoxNode[] {
  return boxes.flatMap((b) => [...(b.type === type ? [b] : []), ...findAll(b.children, type)]);
}
