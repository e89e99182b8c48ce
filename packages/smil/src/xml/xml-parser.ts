import { positionAt, SmilError, SmilErrorCode } from '../errors';
import { isXmlSpace, NOT_XML_CHAR } from './xml-chars';

/**
 * A small, strict, non-validating XML 1.0 reader for SMIL manifests
 * (https://www.w3.org/TR/xml/). It builds a tree of elements and keeps their
 * attributes and character data. What SMIL files do not need is refused rather
 * than half-supported:
 * - no DOCTYPE, so no entity declarations and no entity-expansion attacks
 *   ("billion laughs"); only the five predefined entities and character references;
 * - ASCII names only (every SMIL element and attribute name is ASCII);
 * - namespaces are not resolved: names are kept as written (`xml:id`, `xmlns`).
 */

/** Larger than any SMIL manifest we expect (an edge list of thousands of edges is ~300 KiB). */
export const MAX_DOCUMENT_CHARS = 512 * 1024;
/** The SMIL subset nests 5 deep (smil/body/switch/video/param); 16 leaves room for wrappers we skip. */
export const MAX_DEPTH = 16;
/** Caps the tree size: a few thousand edges or renditions, far beyond real manifests. */
export const MAX_ELEMENTS = 20_000;
/** Wowza's `<video>` uses about ten attributes; 64 is generous and bounds the per-element map. */
export const MAX_ATTRIBUTES = 64;
/** Longest element or attribute name; SMIL names are under 20 characters. */
export const MAX_NAME_LENGTH = 128;
/** Longest attribute value (after reference decoding); URLs are limited to 2 KiB elsewhere. */
export const MAX_ATTRIBUTE_LENGTH = 8 * 1024;

export interface XmlElement {
  name: string;
  /** In document order; names are unique (XML §3.1 "Unique Att Spec"). */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element (text and CDATA), references decoded. */
  text: string;
  /** Offset of the element's `<` in the source, for error positions. */
  offset: number;
}

/** A Map, not an object literal: `&toString;` must not find Object.prototype's members. */
const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['apos', "'"],
  ['quot', '"'],
]);
/** `&#x10FFFF;` is the longest legal reference body we accept between `&` and `;`. */
const MAX_REFERENCE_LENGTH = 10;

/** Parses one XML document and returns its root element. Throws only `SmilError`. */
export function parseXml(source: string): XmlElement {
  return new XmlParser(source).parseDocument();
}

class XmlParser {
  private pos = 0;
  private elementCount = 0;

  constructor(private readonly src: string) {}

  parseDocument(): XmlElement {
    if (this.src.length > MAX_DOCUMENT_CHARS) {
      throw new SmilError(
        SmilErrorCode.LimitExceeded,
        `document is ${this.src.length} characters, more than the limit of ${MAX_DOCUMENT_CHARS}`,
      );
    }
    const bad = NOT_XML_CHAR.exec(this.src);
    if (bad) {
      const code = bad[0].codePointAt(0) ?? 0;
      this.fail(SmilErrorCode.MalformedXml, `character U+${hex(code)} is not allowed in XML`, bad.index);
    }
    // A byte order mark may precede the document (XML §4.3.3); it is not content.
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.src.startsWith('<?xml', this.pos) && isXmlSpaceOrEnd(this.src, this.pos + 5)) {
      this.parseXmlDeclaration();
    }
    this.skipMisc();
    if (this.pos >= this.src.length || this.src[this.pos] !== '<') {
      this.fail(SmilErrorCode.MalformedXml, 'expected the root element');
    }
    const root = this.parseRootElement();
    this.skipMisc();
    if (this.pos < this.src.length) {
      this.fail(SmilErrorCode.MalformedXml, 'unexpected content after the root element');
    }
    return root;
  }

  /** XMLDecl (§2.8); only UTF-8 and its ASCII subset are accepted as encodings. */
  private parseXmlDeclaration(): void {
    const end = this.src.indexOf('?>', this.pos);
    if (end < 0) this.fail(SmilErrorCode.MalformedXml, 'unterminated XML declaration');
    const body = this.src.slice(this.pos + 5, end);
    if (!/^\s+version\s*=\s*(["'])1\.[0-9]+\1/.test(body)) {
      this.fail(SmilErrorCode.MalformedXml, 'XML declaration must start with version="1.x"');
    }
    const encoding = /\sencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/.exec(body)?.[2];
    if (encoding !== undefined && !/^(utf-8|us-ascii)$/i.test(encoding)) {
      this.fail(SmilErrorCode.UnsupportedXml, `encoding "${encoding}" is not supported (use UTF-8)`);
    }
    this.pos = end + 2;
  }

  /** Misc (§2.8): whitespace, comments and processing instructions outside the root. */
  private skipMisc(): void {
    for (;;) {
      while (this.pos < this.src.length && isXmlSpace(this.src.charCodeAt(this.pos))) this.pos++;
      if (this.src.startsWith('<!--', this.pos)) this.skipComment();
      else if (this.src.startsWith('<?', this.pos)) this.skipProcessingInstruction();
      else if (this.src.startsWith('<!', this.pos)) this.refuseDeclaration();
      else return;
    }
  }

  private parseRootElement(): XmlElement {
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    while (root === undefined) {
      if (this.pos >= this.src.length) {
        const open = stack[stack.length - 1];
        this.fail(SmilErrorCode.MalformedXml, `element <${open?.name}> is not closed`, open?.offset);
      }
      const parent = stack[stack.length - 1];
      if (this.src[this.pos] !== '<') {
        // Only reachable inside an element: parseDocument checked the root starts with '<'.
        this.appendText(parent!);
      } else if (this.src.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (this.src.startsWith('<![CDATA[', this.pos)) {
        this.appendCdata(parent!);
      } else if (this.src.startsWith('<!', this.pos)) {
        this.refuseDeclaration();
      } else if (this.src.startsWith('<?', this.pos)) {
        this.skipProcessingInstruction();
      } else if (this.src.startsWith('</', this.pos)) {
        const closed = this.parseEndTag(stack);
        if (stack.length === 0) root = closed;
      } else {
        const { element, selfClosing } = this.parseStartTag(stack.length);
        if (parent) parent.children.push(element);
        if (!selfClosing) stack.push(element);
        else if (!parent) root = element;
      }
    }
    return root;
  }

  /** STag / EmptyElemTag (§3.1). */
  private parseStartTag(depth: number): { element: XmlElement; selfClosing: boolean } {
    const offset = this.pos;
    if (++this.elementCount > MAX_ELEMENTS) {
      this.fail(SmilErrorCode.LimitExceeded, `more than ${MAX_ELEMENTS} elements`, offset);
    }
    if (depth + 1 > MAX_DEPTH) {
      this.fail(SmilErrorCode.LimitExceeded, `elements nested more than ${MAX_DEPTH} deep`, offset);
    }
    this.pos++;
    const name = this.parseName('element');
    const element: XmlElement = { name, attributes: new Map(), children: [], text: '', offset };
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { element, selfClosing: true };
      }
      if (this.src[this.pos] === '>') {
        this.pos++;
        return { element, selfClosing: false };
      }
      if (this.pos >= this.src.length) this.fail(SmilErrorCode.MalformedXml, `unterminated tag <${name}>`);
      if (!hadSpace)
        this.fail(SmilErrorCode.MalformedXml, `expected whitespace before an attribute in <${name}>`);
      this.parseAttribute(element);
    }
  }

  /** Attribute (§3.1) with AttValue normalization for CDATA attributes (§3.3.3). */
  private parseAttribute(element: XmlElement): void {
    const attrOffset = this.pos;
    const name = this.parseName('attribute');
    this.skipSpace();
    if (this.src[this.pos] !== '=')
      this.fail(SmilErrorCode.MalformedXml, `expected '=' after attribute ${name}`);
    this.pos++;
    this.skipSpace();
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") {
      this.fail(SmilErrorCode.MalformedXml, `value of attribute ${name} must be quoted`);
    }
    const start = this.pos + 1;
    const end = this.src.indexOf(quote, start);
    if (end < 0) this.fail(SmilErrorCode.MalformedXml, `unterminated value of attribute ${name}`);
    const lt = this.src.indexOf('<', start);
    if (lt >= 0 && lt < end)
      this.fail(SmilErrorCode.MalformedXml, `'<' in the value of attribute ${name}`, lt);
    // Literal CR LF counts as one line end (§2.11), then each whitespace character becomes a space.
    const raw = this.src.slice(start, end).replace(/\r\n?|[\n\t]/g, ' ');
    const value = this.decodeReferences(raw, start);
    if (value.length > MAX_ATTRIBUTE_LENGTH) {
      this.fail(
        SmilErrorCode.LimitExceeded,
        `value of attribute ${name} is longer than ${MAX_ATTRIBUTE_LENGTH} characters`,
        start,
      );
    }
    if (element.attributes.has(name)) {
      this.fail(
        SmilErrorCode.MalformedXml,
        `attribute ${name} appears twice on <${element.name}>`,
        attrOffset,
      );
    }
    if (element.attributes.size >= MAX_ATTRIBUTES) {
      this.fail(
        SmilErrorCode.LimitExceeded,
        `more than ${MAX_ATTRIBUTES} attributes on <${element.name}>`,
        attrOffset,
      );
    }
    element.attributes.set(name, value);
    this.pos = end + 1;
  }

  /** ETag (§3.1): must match the innermost open element ("Element Type Match"). */
  private parseEndTag(stack: XmlElement[]): XmlElement {
    const offset = this.pos;
    this.pos += 2;
    const name = this.parseName('element');
    this.skipSpace();
    if (this.src[this.pos] !== '>') this.fail(SmilErrorCode.MalformedXml, `expected '>' to close </${name}`);
    this.pos++;
    const open = stack.pop();
    if (!open) this.fail(SmilErrorCode.MalformedXml, `end tag </${name}> without a start tag`, offset);
    if (open.name !== name) {
      this.fail(SmilErrorCode.MalformedXml, `end tag </${name}> does not match <${open.name}>`, offset);
    }
    return open;
  }

  /** CharData (§2.4) up to the next markup; `]]>` may not appear in it. */
  private appendText(parent: XmlElement): void {
    const start = this.pos;
    const next = this.src.indexOf('<', start);
    const end = next < 0 ? this.src.length : next;
    const raw = this.src.slice(start, end);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd >= 0)
      this.fail(SmilErrorCode.MalformedXml, "']]>' is not allowed in text", start + cdataEnd);
    parent.text += this.decodeReferences(raw.replace(/\r\n?/g, '\n'), start);
    this.pos = end;
  }

  /** CDSect (§2.7): kept verbatim as character data. */
  private appendCdata(parent: XmlElement): void {
    const start = this.pos + 9;
    const end = this.src.indexOf(']]>', start);
    if (end < 0) this.fail(SmilErrorCode.MalformedXml, 'unterminated CDATA section');
    parent.text += this.src.slice(start, end).replace(/\r\n?/g, '\n');
    this.pos = end + 3;
  }

  /** Comment (§2.5): `--` may not occur inside. */
  private skipComment(): void {
    const start = this.pos + 4;
    const end = this.src.indexOf('-->', start);
    if (end < 0) this.fail(SmilErrorCode.MalformedXml, 'unterminated comment');
    const dashes = this.src.indexOf('--', start);
    if (dashes < end) this.fail(SmilErrorCode.MalformedXml, "'--' is not allowed inside a comment", dashes);
    this.pos = end + 3;
  }

  /** PI (§2.6); the target `xml` is reserved for the declaration at the very start. */
  private skipProcessingInstruction(): void {
    const offset = this.pos;
    this.pos += 2;
    const target = this.parseName('processing instruction');
    if (target.toLowerCase() === 'xml') {
      this.fail(SmilErrorCode.MalformedXml, 'XML declaration is only allowed at the start', offset);
    }
    const end = this.src.indexOf('?>', this.pos);
    if (end < 0) this.fail(SmilErrorCode.MalformedXml, 'unterminated processing instruction', offset);
    this.pos = end + 2;
  }

  private refuseDeclaration(): never {
    // A DOCTYPE can declare entities that expand exponentially; SMIL manifests never need one.
    this.fail(SmilErrorCode.UnsupportedXml, 'DOCTYPE and other <! declarations are not supported');
  }

  private parseName(what: string): string {
    const start = this.pos;
    const first = this.src.charCodeAt(start);
    if (!(isAsciiLetter(first) || first === 0x5f || first === 0x3a)) {
      if (first >= 0x80) this.fail(SmilErrorCode.UnsupportedXml, `non-ASCII ${what} names are not supported`);
      this.fail(SmilErrorCode.MalformedXml, `expected ${what} name`);
    }
    let end = start + 1;
    while (end < this.src.length && isAsciiNameChar(this.src.charCodeAt(end))) end++;
    if (this.src.charCodeAt(end) >= 0x80) {
      this.fail(SmilErrorCode.UnsupportedXml, `non-ASCII ${what} names are not supported`, end);
    }
    if (end - start > MAX_NAME_LENGTH) {
      this.fail(SmilErrorCode.LimitExceeded, `${what} name longer than ${MAX_NAME_LENGTH} characters`, start);
    }
    this.pos = end;
    return this.src.slice(start, end);
  }

  /** Reference (§4.1): the five predefined entities (§4.6) and character references. */
  private decodeReferences(raw: string, rawOffset: number): string {
    if (!raw.includes('&')) return raw;
    let out = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
      const semi = raw.indexOf(';', amp + 1);
      if (semi < 0 || semi - amp - 1 > MAX_REFERENCE_LENGTH) {
        this.fail(SmilErrorCode.MalformedXml, "'&' must start a reference such as &amp;", rawOffset + amp);
      }
      const body = raw.slice(amp + 1, semi);
      out += raw.slice(from, amp) + this.resolveReference(body, rawOffset + amp);
      from = semi + 1;
    }
    return out + raw.slice(from);
  }

  private resolveReference(body: string, offset: number): string {
    const named = PREDEFINED_ENTITIES.get(body);
    if (named !== undefined) return named;
    const numeric = /^#(?:([0-9]+)|x([0-9A-Fa-f]+))$/.exec(body);
    if (!numeric) this.fail(SmilErrorCode.MalformedXml, `unknown entity &${body};`, offset);
    const code =
      numeric[1] !== undefined ? Number.parseInt(numeric[1], 10) : Number.parseInt(numeric[2]!, 16);
    // "Legal Character" constraint (§4.1): the referenced character must match Char.
    const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
    if (char === '' || NOT_XML_CHAR.test(char)) {
      this.fail(
        SmilErrorCode.MalformedXml,
        `character reference &${body}; is not a legal XML character`,
        offset,
      );
    }
    return char;
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.src.length && isXmlSpace(this.src.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private fail(code: SmilErrorCode, detail: string, offset = this.pos): never {
    throw new SmilError(code, detail, positionAt(this.src, offset));
  }
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isAsciiNameChar(c: number): boolean {
  return isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x3a || c === 0x2e || c === 0x2d;
}

function isXmlSpaceOrEnd(src: string, at: number): boolean {
  return at >= src.length || isXmlSpace(src.charCodeAt(at));
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
