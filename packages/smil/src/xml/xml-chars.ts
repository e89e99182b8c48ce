/**
 * Character classes from XML 1.0 (Fifth Edition), shared by the parser and the writer.
 * https://www.w3.org/TR/xml/
 */

/**
 * Any character outside the `Char` production (§2.2): C0 controls other than tab/LF/CR,
 * lone surrogates, U+FFFE and U+FFFF. With the `u` flag a lone surrogate is its own code point.
 */
export const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * The ASCII part of the `Name` production (§2.3). SMIL element and attribute names are
 * all ASCII, so we accept only these and refuse other names as unsupported rather than
 * carrying the full Unicode name tables.
 */
export const XML_NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*$/;

/** `S` (§2.3): space, tab, CR, LF. */
export function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
