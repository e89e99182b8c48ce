import { positionAt, SmilError, SmilErrorCode } from '../errors';
import { MAX_DOCUMENT_CHARS, parseXml, type XmlElement } from '../xml/xml-parser';

/**
 * The SMIL document frame shared by every manifest kind: a `<smil>` root with at
 * most one `<head>` and one `<body>` (SMIL 3.0 §15 "Structure Module",
 * https://www.w3.org/TR/SMIL3/smil-structure.html). Readers of a manifest kind get
 * the elements from here and report problems through `fail`, which attaches the
 * source position.
 */
export class SmilDocument {
  readonly head: XmlElement | undefined;
  readonly body: XmlElement | undefined;

  private constructor(
    private readonly source: string,
    readonly root: XmlElement,
  ) {
    this.head = this.onlyChild('head');
    this.body = this.onlyChild('body');
  }

  static read(input: string | Uint8Array): SmilDocument {
    const source = typeof input === 'string' ? input : decodeUtf8(input);
    const root = parseXml(source);
    if (root.name !== 'smil') {
      throw new SmilError(
        SmilErrorCode.InvalidStructure,
        `root element is <${root.name}>, expected <smil>`,
        positionAt(source, root.offset),
      );
    }
    return new SmilDocument(source, root);
  }

  /** `<meta>` elements of the head, in document order. */
  metas(): XmlElement[] {
    return this.head?.children.filter((c) => c.name === 'meta') ?? [];
  }

  /** The `<smil title>` attribute, if any. */
  title(): string | undefined {
    return this.root.attributes.get('title');
  }

  fail(at: XmlElement, code: SmilErrorCode, detail: string): never {
    throw new SmilError(code, detail, positionAt(this.source, at.offset));
  }

  /**
   * The base URL a `<meta>` declares, in either form players accept: Wowza's and
   * Flash players' `<meta base="..."/>`, or SMIL 1.0's `<meta name="base" content="..."/>`
   * (https://www.w3.org/TR/REC-smil/#meta). Undefined for other metas.
   */
  metaBase(meta: XmlElement): string | undefined {
    const direct = meta.attributes.get('base');
    const named = meta.attributes.get('name') === 'base' ? meta.attributes.get('content') : undefined;
    if (direct !== undefined && named !== undefined && direct !== named) {
      this.fail(meta, SmilErrorCode.InvalidValue, '<meta> declares two different base URLs');
    }
    return direct ?? named;
  }

  private onlyChild(name: 'head' | 'body'): XmlElement | undefined {
    let found: XmlElement | undefined;
    for (const child of this.root.children) {
      if (child.name !== 'head' && child.name !== 'body') {
        this.fail(
          child,
          SmilErrorCode.InvalidStructure,
          `<${child.name}> is not allowed in <smil>, only <head> and <body>`,
        );
      }
      if (child.name !== name) continue;
      if (found) this.fail(child, SmilErrorCode.InvalidStructure, `<smil> has more than one <${name}>`);
      found = child;
    }
    return found;
  }
}

/** UTF-8 with BOM (XML 1.0 §4.3.3); invalid sequences are an error, never U+FFFD. */
function decodeUtf8(bytes: Uint8Array): string {
  // SMIL manifests are ASCII in practice (one byte per character), so the
  // character limit doubles as the byte limit and is checked before decoding.
  if (bytes.length > MAX_DOCUMENT_CHARS) {
    throw new SmilError(
      SmilErrorCode.LimitExceeded,
      `document is ${bytes.length} bytes, more than the limit of ${MAX_DOCUMENT_CHARS}`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SmilError(SmilErrorCode.MalformedXml, 'document is not valid UTF-8');
  }
}
