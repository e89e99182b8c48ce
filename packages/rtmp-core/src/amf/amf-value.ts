/**
 * The JavaScript shape of AMF values, shared by AMF0 and AMF3.
 *
 * | AMF                                   | JavaScript                                  |
 * |---------------------------------------|---------------------------------------------|
 * | number, AMF3 integer, AMF3 double     | `number` (AMF3 encodes integers in the 29-bit range as integer) |
 * | boolean, string, null, undefined      | the same                                    |
 * | AMF0 unsupported (0x0D)               | `undefined` (re-encoded as undefined 0x06)  |
 * | date                                  | `Date` (the AMF0 time-zone field is ignored, written as 0) |
 * | anonymous object                      | plain object `{ [k]: AmfValue }`            |
 * | AMF0 ECMA array (0x08)                | `AmfEcmaArray` (re-encoded with marker 0x08) |
 * | AMF0 strict array, AMF3 dense array   | `AmfValue[]`                                |
 * | AMF3 array with an associative part   | `AmfEcmaArray`, dense items under keys "0".."n-1" |
 * | typed object (AMF0 0x10, AMF3 sealed) | `AmfTypedObject`                            |
 * | XML (AMF0 0x0F, AMF3 0x07 / 0x0B)     | `AmfXml`                                    |
 * | AMF3 byte array                       | `Buffer` (any `Uint8Array` encodes as one)  |
 * | AMF3 vectors                          | `AmfVector`                                 |
 * | AMF0 reference (0x07)                 | the same JavaScript object as its target    |
 */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | AmfObject
  | AmfValue[]
  | AmfEcmaArray
  | AmfTypedObject
  | AmfXml
  | Uint8Array
  | AmfVector;

export interface AmfObject {
  [key: string]: AmfValue;
}

/** An associative array that keeps its AMF0 ECMA-array marker (0x08) on re-encoding. */
export class AmfEcmaArray {
  constructor(public properties: AmfObject = {}) {}
}

/** An object with a class name: AMF0 typed object (0x10), AMF3 object with sealed traits. */
export class AmfTypedObject {
  constructor(
    public className: string,
    public properties: AmfObject = {},
  ) {}
}

/**
 * XML text. AMF3 has two markers: the legacy flash.xml.XMLDocument (0x07, also the
 * only XML type of AMF0) and E4X XML (0x0B).
 */
export class AmfXml {
  constructor(
    public xml: string,
    public kind: 'xml-document' | 'xml' = 'xml-document',
  ) {}
}

/**
 * AMF3 Vector.<int> (0x0D), Vector.<uint> (0x0E), Vector.<Number> (0x0F) and
 * Vector.<Object> (0x10). Numeric kinds hold numbers only; the encoder checks their range.
 */
export class AmfVector {
  constructor(
    public kind: 'int' | 'uint' | 'double' | 'object',
    public items: AmfValue[] = [],
    public fixed = false,
    /** Element class name of a Vector.<Object>; '' for Object (the "*" type). */
    public typeName = '',
  ) {}
}

/** True for `{}`-style objects (and null-prototype ones), false for class instances and arrays. */
export function isPlainObject(v: unknown): v is AmfObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Adds a decoded member as an own property. Plain assignment of a hostile "__proto__"
 * key would replace the object's prototype, so that one key goes through defineProperty;
 * the rest use assignment, the fast path (defineProperty was the top entry of a decode profile).
 */
export function setMember(target: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
