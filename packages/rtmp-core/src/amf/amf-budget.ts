import { AmfError } from './amf-error';
import type { AmfLimits } from './amf-limits';
import type { AmfReader } from './amf-reader';

/**
 * The checks both decoders make before trusting a declared length, count or nesting.
 * A length is first checked against the bytes still present (`truncated`), then
 * against the budget (`too_large`): a 10 MiB string declared in a 100-byte input is
 * truncated input, not a large string.
 */
export class AmfBudget {
  private nodes = 0;

  constructor(
    readonly limits: AmfLimits,
    private readonly reader: AmfReader,
  ) {}

  /** Throws when the whole input is over `maxBytes`. */
  input(byteLength: number): void {
    if (byteLength > this.limits.maxBytes) {
      throw new AmfError(
        'too_large',
        `input of ${byteLength} bytes exceeds maxBytes ${this.limits.maxBytes}`,
      );
    }
  }

  /** One more value decoded (any type, a reference included); throws past `maxNodes`. */
  node(): void {
    if (++this.nodes > this.limits.maxNodes) {
      throw new AmfError(
        'too_large',
        `more than maxNodes ${this.limits.maxNodes} values at offset ${this.reader.offset}`,
      );
    }
  }

  /** `level` is the nesting of the container about to be decoded (a top-level object is 1). */
  enter(level: number): void {
    if (level > this.limits.maxDepth) {
      throw new AmfError('depth_exceeded', `nesting depth ${level} exceeds maxDepth ${this.limits.maxDepth}`);
    }
  }

  /** A string, XML or byte-array length whose bytes must all be present. */
  byteLength(n: number, what: string): void {
    this.reader.need(n, what);
    if (n > this.limits.maxStringLength) {
      throw new AmfError(
        'too_large',
        `${what} of ${n} bytes exceeds maxStringLength ${this.limits.maxStringLength}`,
      );
    }
  }

  /**
   * A declared element count. Each element takes at least `minBytesEach` bytes, so a
   * count the remaining input cannot hold is truncated before anything is allocated.
   */
  count(n: number, minBytesEach: number, what: string): void {
    if (n * minBytesEach > this.reader.remaining) {
      throw new AmfError(
        'truncated',
        `${what} declares ${n} elements at offset ${this.reader.offset}, only ${this.reader.remaining} bytes left`,
      );
    }
    this.members(n, what);
  }

  /** Members counted one by one (objects and ECMA arrays end with a marker, not a count). */
  members(n: number, what: string): void {
    if (n > this.limits.maxElements) {
      throw new AmfError(
        'too_large',
        `${what} has ${n} elements, over maxElements ${this.limits.maxElements}`,
      );
    }
  }
}
