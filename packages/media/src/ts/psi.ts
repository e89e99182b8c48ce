// Program-specific information: the PAT and PMT sections (ISO/IEC 13818-1 §2.4.4.3, §2.4.4.8), each
// sent in one transport packet.
import { crc32Mpeg2 } from './crc32';
import { PID_PAT, TS_HEADER_SIZE, TS_PACKET_SIZE, writePacketHeader } from './ts-packet';

/** stream_type values (ISO/IEC 13818-1 table 2-34; 0x24 from the HEVC amendment). */
export const StreamType = {
  Mpeg1Audio: 0x03,
  Mpeg2Audio: 0x04,
  AdtsAac: 0x0f,
  H264: 0x1b,
  Hevc: 0x24,
} as const;

export type StreamType = (typeof StreamType)[keyof typeof StreamType];

export interface PmtStream {
  readonly streamType: StreamType;
  readonly pid: number;
}

export const TableId = { Pat: 0x00, Pmt: 0x02 } as const;

/** Our only program. program_number 0 is reserved for the network PID, so programs start at 1. */
export const PROGRAM_NUMBER = 1;
const TRANSPORT_STREAM_ID = 1;
const CRC_SIZE = 4;
/** Bytes of a section before section_length ends: table_id + the 2 bytes holding section_length. */
const SECTION_PREFIX = 3;

/** One packet carrying one section: header, pointer_field 0, section, 0xFF stuffing (§2.4.4.2). */
function sectionPacket(pid: number, continuityCounter: number, section: Buffer): Buffer {
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  writePacketHeader(packet, 0, pid, true, false, continuityCounter);
  packet[TS_HEADER_SIZE] = 0; // pointer_field: the section starts right after it
  section.copy(packet, TS_HEADER_SIZE + 1);
  return packet;
}

/** Fills the common long-form section header and the CRC; `body` starts after last_section_number. */
function longSection(tableId: number, tableIdExtension: number, version: number, body: Buffer): Buffer {
  const sectionLength = 5 + body.length + CRC_SIZE;
  const section = Buffer.alloc(SECTION_PREFIX + sectionLength);
  section[0] = tableId;
  // section_syntax_indicator 1, '0', 2 reserved bits, 12-bit section_length.
  section[1] = 0xb0 | (sectionLength >> 8);
  section[2] = sectionLength & 0xff;
  section.writeUInt16BE(tableIdExtension, 3);
  // 2 reserved bits, version_number (5 bits), current_next_indicator 1.
  section[5] = 0xc0 | ((version & 0x1f) << 1) | 0x01;
  section[6] = 0; // section_number
  section[7] = 0; // last_section_number
  body.copy(section, 8);
  section.writeUInt32BE(crc32Mpeg2(section, 0, section.length - CRC_SIZE), section.length - CRC_SIZE);
  return section;
}

export function patPacket(pmtPid: number, continuityCounter: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(PROGRAM_NUMBER, 0);
  body.writeUInt16BE(0xe000 | pmtPid, 2); // 3 reserved bits + program_map_PID
  return sectionPacket(PID_PAT, continuityCounter, longSection(TableId.Pat, TRANSPORT_STREAM_ID, 0, body));
}

export function pmtPacket(
  pmtPid: number,
  pcrPid: number,
  streams: readonly PmtStream[],
  version: number,
  continuityCounter: number,
): Buffer {
  const body = Buffer.alloc(4 + streams.length * 5);
  body.writeUInt16BE(0xe000 | pcrPid, 0); // 3 reserved bits + PCR_PID
  body.writeUInt16BE(0xf000, 2); // 4 reserved bits + program_info_length 0
  let at = 4;
  for (const stream of streams) {
    body[at] = stream.streamType;
    body.writeUInt16BE(0xe000 | stream.pid, at + 1); // 3 reserved bits + elementary_PID
    body.writeUInt16BE(0xf000, at + 3); // 4 reserved bits + ES_info_length 0
    at += 5;
  }
  return sectionPacket(pmtPid, continuityCounter, longSection(TableId.Pmt, PROGRAM_NUMBER, version, body));
}
