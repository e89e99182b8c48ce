import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateLiveStreamInputSchema,
  LiveStream,
  Rendition,
  RenditionSource,
  UpdateLiveStreamInputSchema,
} from '@tributary/contracts';
import {
  ErrorCode,
  ladderProblem,
  playbackUrls,
  RenditionSchema,
  RenditionSourceSchema,
} from '@tributary/contracts';
import { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { CredentialPrefix } from '../../common/auth/credentials';
import { SecretBox } from '../../common/crypto/secret-box';
import { newSecret } from '../../common/crypto/tokens';
import { AppError } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId, newPlaybackId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { IngestSession, LiveStream as LiveStreamRow, Prisma } from '../../generated/prisma/client';
import { ControlFeed } from '../control-feed/control-feed.service';
import { EdgesService, type PublicEndpoints } from '../edges/edges.service';
import { toSessionSummary } from '../sessions/session.presenter';
import { withinQuota } from '../tenants/quotas';
import { WebhookOutbox } from '../webhooks/webhook-outbox';

type Row = LiveStreamRow & { currentSession: IngestSession | null };

/** Stream keys are bound to their row as AAD: a ciphertext copied to another row does not open. */
export const keyContext = (liveStreamId: string) => `live-stream:${liveStreamId}`;

const StoredLadder = z.array(RenditionSchema);

/** The stored ladder, read through the contract (a row written by hand never reaches a client unchecked). */
export function ladderOf(row: { renditionSource: string; renditions: unknown }): {
  renditionSource: RenditionSource;
  renditions: Rendition[];
} {
  const source = RenditionSourceSchema.safeParse(row.renditionSource);
  const ladder = StoredLadder.safeParse(row.renditions);
  return {
    renditionSource: source.success ? source.data : 'none',
    renditions: ladder.success ? ladder.data : [],
  };
}

function checkLadder(source: RenditionSource, ladder: readonly Rendition[]): void {
  const problem = ladderProblem(source, ladder);
  if (problem)
    throw new AppError(ErrorCode.validationFailed, problem, [{ field: 'renditions', message: problem }]);
}

@Injectable()
export class LiveStreamsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(EdgesService) private readonly edges: EdgesService,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(ControlFeed) private readonly feed: ControlFeed,
    @Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox,
  ) {}

  private present(row: Row, at: PublicEndpoints): LiveStream {
    return {
      id: row.id,
      name: row.name,
      playbackId: row.playbackId,
      playbackPolicy: row.playbackPolicy,
      record: row.record,
      status: row.disabled ? 'disabled' : row.currentSession ? 'active' : 'idle',
      currentSession: row.currentSession ? toSessionSummary(row.currentSession) : null,
      ingest: at.ingest,
      playback: playbackUrls(at.rtmp, at.http, row.playbackId),
      ...ladderOf(row),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  private async find(id: string): Promise<Row> {
    const row = await this.db
      .tenant()
      .liveStream.findFirst({ where: { id }, include: { currentSession: true } });
    if (!row) throw AppError.notFound('live stream');
    return row;
  }

  private sealKey(liveStreamId: string, streamKey: string) {
    return {
      streamKeyHmac: this.secrets.mac(streamKey),
      streamKeyEncrypted: this.secrets.encrypt(streamKey, keyContext(liveStreamId)),
    };
  }

  async list(q: ListQuery & { status?: LiveStream['status'] }) {
    const where =
      q.status === 'disabled'
        ? { disabled: true }
        : q.status === 'active'
          ? { disabled: false, currentSessionId: { not: null } }
          : q.status === 'idle'
            ? { disabled: false, currentSessionId: null }
            : {};
    const rows = await this.db
      .tenant()
      .liveStream.findMany({ ...pageArgs(q), where, include: { currentSession: true } });
    const at = await this.edges.publicEndpoints();
    return toPage(rows, q, (r) => this.present(r, at));
  }

  async get(id: string): Promise<LiveStream> {
    return this.present(await this.find(id), await this.edges.publicEndpoints());
  }

  async create(
    input: z.infer<typeof CreateLiveStreamInputSchema>,
  ): Promise<LiveStream & { streamKey: string }> {
    // The cap (TENANT_MAX_LIVE_STREAMS) is far above any real channel line-up, low enough that one tenant cannot fill the table.
    const id = newId(IdPrefix.liveStream);
    checkLadder(input.renditionSource, input.renditions);
    const streamKey = newSecret(CredentialPrefix.streamKey);
    const row = await withinQuota(this.db, this.config, 'liveStreams', (tx, tenantId) =>
      tx.liveStream.create({
        data: {
          id,
          tenantId,
          playbackId: newPlaybackId(),
          ...input,
          ...this.sealKey(id, streamKey),
        },
        include: { currentSession: true },
      }),
    );
    return { ...this.present(row, await this.edges.publicEndpoints()), streamKey };
  }

  async update(id: string, input: z.infer<typeof UpdateLiveStreamInputSchema>): Promise<LiveStream> {
    const current = ladderOf(await this.find(id));
    checkLadder(input.renditionSource ?? current.renditionSource, input.renditions ?? current.renditions);
    await this.db.tenant().liveStream.update({ where: { id }, data: input });
    return this.get(id);
  }

  /**
   * Deleted, disabled, or key rotated: the change and its control-feed event commit together, and
   * every edge cuts the stream's publisher and viewers within seconds (apps/api control-feed).
   */
  async remove(id: string): Promise<void> {
    const { tenantId, name, playbackId } = await this.find(id);
    const count = await this.withFeed(async (tx) => {
      const { count } = await tx.liveStream.deleteMany({ where: { id, tenantId } });
      if (count > 0) {
        await this.feed.append(tx, { kind: 'stream_deleted', liveStreamId: id, tenantId });
        await this.webhooks.event(tx, {
          tenantId,
          type: 'live_stream.deleted',
          subjectId: id,
          data: { id, name, playbackId, status: 'deleted' },
        });
      }
      return count;
    });
    if (count === 0) throw AppError.notFound('live stream');
  }

  /**
   * A change and its control-feed event in one transaction. The tenant-scoped client runs each
   * operation on its own, so this uses the unscoped one: callers found the row through the scoped
   * client first and name its tenantId in every filter.
   */
  private async withFeed<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    const result = await this.db
      .unscoped('live stream change with its control-feed event')
      .$transaction(work);
    this.feed.committed();
    this.webhooks.committed();
    return result;
  }

  /** The old key stops working at once here, and its running publisher is cut on every edge. */
  async rotateKey(id: string): Promise<{ streamKey: string }> {
    const row = await this.find(id);
    const streamKey = newSecret(CredentialPrefix.streamKey);
    await this.withFeed(async (tx) => {
      await tx.liveStream.updateMany({
        where: { id, tenantId: row.tenantId },
        data: this.sealKey(id, streamKey),
      });
      await this.feed.append(tx, { kind: 'stream_key_rotated', liveStreamId: id, tenantId: row.tenantId });
    });
    return { streamKey };
  }

  async revealKey(id: string): Promise<{ streamKey: string }> {
    const row = await this.find(id);
    return { streamKey: this.secrets.decrypt(row.streamKeyEncrypted, keyContext(row.id)) };
  }

  async setDisabled(id: string, disabled: boolean): Promise<LiveStream> {
    const row = await this.find(id);
    await this.withFeed(async (tx) => {
      await tx.liveStream.updateMany({ where: { id, tenantId: row.tenantId }, data: { disabled } });
      if (disabled && !row.disabled)
        await this.webhooks.event(tx, {
          tenantId: row.tenantId,
          type: 'live_stream.disabled',
          subjectId: id,
          data: { id, name: row.name, playbackId: row.playbackId, status: 'disabled' },
        });
      await this.feed.append(tx, {
        kind: disabled ? 'stream_disabled' : 'stream_enabled',
        liveStreamId: id,
        tenantId: row.tenantId,
      });
    });
    return this.get(id);
  }
}
