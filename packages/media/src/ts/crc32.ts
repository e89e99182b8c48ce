// CRC-32 of PSI sections: ISO/IEC 13818-1 Annex A (polynomial 0x04C11DB7, initial value 0xFFFFFFFF,
// MSB first, no reflection, no final XOR; the "CRC-32/MPEG-2" of CRC catalogues).

const POLYNOMIAL = 0x04c11db7;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

export function crc32Mpeg2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!;
  return crc >>> 0;
}
