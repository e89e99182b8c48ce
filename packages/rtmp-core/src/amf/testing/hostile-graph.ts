/**
 * AMF0 bytes whose object graph is small to decode but exponential when written out as a tree: a chain
 * of `depth` objects, each holding the next inline and again as a reference, then a strict array of
 * `pad` empty objects under the integer-like key '1'. JavaScript enumerates integer-like keys first, so
 * an encoder walking the decoded value meets the pad first; with `pad` = 65 534 the pad fills AMF0's
 * 16-bit reference table and the chain can no longer be written as references (2^depth objects).
 * `scalars` come first, as an encoder's real onMetaData fields would.
 */
export function hostileGraphAmf0(
  depth: number,
  pad: number,
  scalars: Record<string, number | string | boolean> = {},
): Buffer {
  const parts: Buffer[] = [];
  const u8 = (v: number) => parts.push(Buffer.from([v]));
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    parts.push(b);
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    parts.push(b);
  };
  const name = (s: string) => {
    u16(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  const end = () => {
    u16(0);
    u8(0x09);
  };
  const scalar = (v: number | string | boolean) => {
    if (typeof v === 'number') {
      u8(0x00);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      parts.push(b);
    } else if (typeof v === 'boolean') {
      u8(0x01);
      u8(v ? 1 : 0);
    } else {
      u8(0x02);
      name(v);
    }
  };
  // The ECMA array is reference 0; chain object i is reference i + 1.
  u8(0x08);
  u32(Object.keys(scalars).length + 2);
  for (const [k, v] of Object.entries(scalars)) {
    name(k);
    scalar(v);
  }
  name('c');
  const chain = (level: number): void => {
    u8(0x03);
    if (level < depth - 1) {
      name('a');
      chain(level + 1);
      name('b');
      u8(0x07);
      u16(level + 2);
    }
    end();
  };
  if (depth > 0) chain(0);
  else u8(0x05);
  name('1');
  u8(0x0a);
  u32(pad);
  for (let i = 0; i < pad; i++) {
    u8(0x03);
    end();
  }
  end();
  return Buffer.concat(parts);
}

/** The body of `@setDataFrame("onMetaData", <hostile graph>)`, as a publisher would send it (type 18). */
export function hostileSetDataFrame(
  depth: number,
  pad: number,
  scalars: Record<string, number | string | boolean> = {},
): Buffer {
  const str = (s: string) => {
    const b = Buffer.alloc(3 + Buffer.byteLength(s));
    b[0] = 0x02;
    b.writeUInt16BE(Buffer.byteLength(s), 1);
    b.write(s, 3);
    return b;
  };
  return Buffer.concat([str('@setDataFrame'), str('onMetaData'), hostileGraphAmf0(depth, pad, scalars)]);
}
