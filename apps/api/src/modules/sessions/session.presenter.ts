import { type IngestSession, type LiveSessionSummary, RenditionLiveStatsSchema } from '@tributary/contracts';
import { z } from 'zod';
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
    ...renditionsOf(row.renditionStats),
  };
}

const StoredRenditionStats = z.array(RenditionLiveStatsSchema);

/** The stored rendition figures, through the contract; none for a stream without a ladder. */
function renditionsOf(stored: unknown): Pick<LiveSessionSummary, 'renditions'> {
  const parsed = StoredRenditionStats.safeParse(stored);
  return parsed.success && parsed.data.length > 0 ? { renditions: parsed.data } : {};
}

export function toIngestSession(row: IngestSessionRow): IngestSession {
  return { ...toSessionSummary(row), liveStreamId: row.liveStreamId, endReason: row.endReason };
}
