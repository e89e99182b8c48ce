import { SmilError, SmilErrorCode } from '../errors';
import { NOT_XML_CHAR, XML_NAME } from './xml-chars';

/**
 * Serializes an element tree as indented XML 1.0. SMIL manifests carry their data
 * in attributes only, so the writer emits no character data.
 */
export interface WritableElement {
  name: string;
  attributes: Iterable<readonly [string, string]>;
  children: readonly WritableElement[];
}

const INDENT = '  ';

export function xmlElement(
  name: string,
  attributes: Array<readonly [string, string]>,
  children: WritableElement[] = [],
): WritableElement {
  return { name, attributes, children };
}

/** Attribute pairs without the absent values, numbers written in decimal. */
export function presentAttributes(
  pairs: Array<readonly [string, string | number | undefined]>,
): Array<readonly [string, string]> {
  return pairs.flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as const]));
}

export function writeXml(root: WritableElement): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  writeElement(root, 0, lines);
  return `${lines.join('\n')}\n`;
}

function writeElement(element: WritableElement, depth: number, lines: string[]): void {
  checkName(element.name);
  let open = `${INDENT.repeat(depth)}<${element.name}`;
  for (const [name, value] of element.attributes) {
    checkName(name);
    open += ` ${name}="${escapeAttribute(value)}"`;
  }
  if (element.children.length === 0) {
    lines.push(`${open}/>`);
    return;
  }
  lines.push(`${open}>`);
  for (const child of element.children) writeElement(child, depth + 1, lines);
  lines.push(`${INDENT.repeat(depth)}</${element.name}>`);
}

/**
 * Escapes a value for a double-quoted attribute. Tab, LF and CR become character
 * references because a parser turns literal ones into spaces (XML 1.0 §3.3.3).
 */
export function escapeAttribute(value: string): string {
  const bad = NOT_XML_CHAR.exec(value);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new SmilError(
      SmilErrorCode.InvalidValue,
      `U+${code.toString(16).toUpperCase().padStart(4, '0')} cannot be written in XML`,
    );
  }
  return value.replace(/[&<>"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function checkName(name: string): void {
  if (!XML_NAME.test(name)) throw new SmilError(SmilErrorCode.InvalidValue, `"${name}" is not an XML name`);
}
