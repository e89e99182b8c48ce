import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors';
import { type ListQuery, toPage } from '../../common/http/pagination';
import { Database } from '../../database/database';
import { toIngestSession } from './session.presenter';

@Injectable()
export class SessionsService {
  constructor(@Inject(Database) private readonly db: Database) {}

  async list(q: ListQuery & { liveStreamId?: string; active?: boolean }) {
    const rows = await this.db.tenant().ingestSession.findMany({
      take: q.limit + 1,
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
      where: {
        ...(q.liveStreamId ? { liveStreamId: q.liveStreamId } : {}),
        ...(q.active === undefined ? {} : { endedAt: q.active ? null : { not: null } }),
      },
    });
    return toPage(rows, q, toIngestSession);
  }

  async get(id: string) {
    const row = await this.db.tenant().ingestSession.findFirst({ where: { id } });
    if (!row) throw AppError.notFound('session');
    return toIngestSession(row);
  }
}
