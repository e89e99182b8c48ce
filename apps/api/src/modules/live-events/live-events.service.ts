import { Inject, Injectable } from '@nestjs/common';
import type { CreateLiveEventInputSchema, LiveEvent, UpdateLiveEventInputSchema } from '@tributary/contracts';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { type ListQuery, pageArgs, toPage } from '../../common/http/pagination';
import { IdPrefix, newId } from '../../common/ids';
import type { ApiConfig } from '../../config';
import { Database } from '../../database/database';
import type { LiveEvent as LiveEventRow } from '../../generated/prisma/client';
import { withinQuota } from '../tenants/quotas';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { liveEventWebhookData } from './live-event-runner';

type State = LiveEvent['state'];

/** The event state machine (issue 4): scheduled → live → ended, scheduled → cancelled. */
export const LIVE_EVENT_TRANSITIONS: Record<State, readonly State[]> = {
  scheduled: ['live', 'cancelled'],
  live: ['ended'],
  ended: [],
  cancelled: [],
};

function toLiveEvent(row: LiveEventRow): LiveEvent {
  return {
    id: row.id,
    liveStreamId: row.liveStreamId,
    title: row.title,
    description: row.description,
    state: row.state,
    scheduledStartAt: row.scheduledStartAt?.toISOString() ?? null,
    scheduledEndAt: row.scheduledEndAt?.toISOString() ?? null,
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

const toDate = (s: string | null | undefined) =>
  s === undefined ? undefined : s === null ? null : new Date(s);

@Injectable()
export class LiveEventsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ApiConfig,
    @Inject(WebhookOutbox) private readonly webhooks: WebhookOutbox,
  ) {}

  async list(q: ListQuery) {
    return toPage(await this.db.tenant().liveEvent.findMany(pageArgs(q)), q, toLiveEvent);
  }

  async get(id: string): Promise<LiveEvent> {
    const row = await this.db.tenant().liveEvent.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('live event');
    return toLiveEvent(row);
  }

  async create(input: z.infer<typeof CreateLiveEventInputSchema>): Promise<LiveEvent> {
    // The stream must be this tenant's: the scoped lookup makes another tenant's id "not found".
    if (!(await this.db.tenant().liveStream.findFirst({ where: { id: input.liveStreamId } }))) {
      throw AppError.notFound('live stream');
    }
    const row = await withinQuota(this.db, this.config, 'liveEvents', (tx, tenantId) =>
      tx.liveEvent.create({
        data: {
          id: newId(IdPrefix.liveEvent),
          tenantId,
          liveStreamId: input.liveStreamId,
          title: input.title,
          description: input.description,
          scheduledStartAt: toDate(input.scheduledStartAt) ?? null,
          scheduledEndAt: toDate(input.scheduledEndAt) ?? null,
        },
      }),
    );
    return toLiveEvent(row);
  }

  async update(id: string, input: z.infer<typeof UpdateLiveEventInputSchema>): Promise<LiveEvent> {
    await this.get(id);
    const row = await this.db.tenant().liveEvent.update({
      where: { id },
      data: {
        ...input,
        scheduledStartAt: toDate(input.scheduledStartAt),
        scheduledEndAt: toDate(input.scheduledEndAt),
      },
    });
    return toLiveEvent(row);
  }

  async transition(id: string, to: Exclude<State, 'scheduled'>): Promise<LiveEvent> {
    const row = await this.db.tenant().liveEvent.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('live event');
    const current = row.state;
    if (!LIVE_EVENT_TRANSITIONS[current].includes(to)) {
      throw new AppError(ErrorCode.conflict, `a ${current} event cannot become ${to}`, [
        { field: 'to', message: `allowed: ${LIVE_EVENT_TRANSITIONS[current].join(', ') || 'none'}` },
      ]);
    }
    // The change and its webhook event in one transaction; the scoped lookup above proved the tenant,
    // named in the filter. The state in the filter makes concurrent transitions (and the live event
    // runner) race safely: only one matches.
    const updated = await this.db
      .unscoped('live event transition with its webhook event')
      .$transaction(async (tx) => {
        const now = new Date();
        const { count } = await tx.liveEvent.updateMany({
          where: { id, tenantId: row.tenantId, state: current },
          data: {
            state: to,
            publishEndedAt: null,
            ...(to === 'live' ? { startedAt: now } : { endedAt: now }),
          },
        });
        if (count === 0) return undefined;
        const after = await tx.liveEvent.findUniqueOrThrow({ where: { id } });
        await this.webhooks.event(tx, {
          tenantId: row.tenantId,
          type: `live_event.${to}`,
          subjectId: row.liveStreamId,
          data: liveEventWebhookData({ ...after, state: to }),
        });
        return after;
      });
    if (!updated) throw new AppError(ErrorCode.conflict, 'the event changed state meanwhile; read it again');
    this.webhooks.committed();
    return toLiveEvent(updated);
  }
}
