import type { IngestSession, LiveSessionSummary } from '@tributary/contracts';
import type { IngestSession as IngestSessionRow } from '../../generated/prisma/client';

export function toSessionSummary(row: IngestSessionRow): LiveSessionSummary {
  return {
    id: row.id,
    edgeId: row.edgeId,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    videoCodec: row.videoCodec,
    audioCodec: row.audioCodec,
    width: row.width,
    height: row.height,
    frameRate: row.frameRate,
    bitrateKbps: row.bitrateKbps,
    viewers: row.viewers,
    peakViewers: row.peakViewers,
    bytesIn: Number(row.bytesIn),
    bytesOut: Number(row.bytesOut),
  };
}

export function toIngestSession(row: IngestSessionRow): IngestSession {
  return { ...toSessionSummary(row), liveStreamId: row.liveStreamId, endReason: row.endReason };
}
