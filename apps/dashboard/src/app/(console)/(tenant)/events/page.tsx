import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '@/components/empty-state';
import { PagedList } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { loadListView, PAGE_SIZE, type SearchParams } from '@/lib/pagination';
import { api } from '@/server/api-client';
import { requireViewer } from '@/server/session';
import { createEvent } from './actions';
import { EventForm } from './event-form';
import { EventTransitions } from './event-transitions';

export const metadata: Metadata = { title: 'Live events' };

export default async function EventsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { caller } = await requireViewer();
  const [events, streams] = await Promise.all([
    loadListView(
      { path: '/events', params: await searchParams, param: 'page', pageSize: PAGE_SIZE },
      (cursor) => api.liveEvents.list(caller, cursor, PAGE_SIZE),
    ),
    api.liveStreams.choices(caller),
  ]);
  const streamName = new Map(streams.map((s) => [s.id, s.name]));
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Live events</h1>
          <p>
            Schedule a broadcast on one of your streams. When the stream starts publishing, its next scheduled
            event goes live; once the publish has stopped for longer than the reconnect window, it ends. You
            can also take an event live and end it by hand.
          </p>
        </div>
      </div>
      {streams.length === 0 ? (
        <EmptyState
          title="Create a live stream first"
          action={
            <Link className="button" href="/streams/new">
              New live stream
            </Link>
          }
        >
          An event runs on a live stream: its encoder settings and playback URL.
        </EmptyState>
      ) : (
        <section className="card">
          <h2>New event</h2>
          <EventForm action={createEvent} streams={streams} submitLabel="Create event" />
        </section>
      )}
      <PagedList
        view={events}
        what="live events"
        empty={
          streams.length > 0 && (
            <EmptyState title="No events yet">Create one above to schedule your first broadcast.</EmptyState>
          )
        }
      >
        {(rows) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Title</th>
                  <th>State</th>
                  <th>Stream</th>
                  <th>Scheduled start</th>
                  <th>Scheduled end</th>
                  <th>Ran</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id} data-testid="event-row">
                    <td>
                      <Link href={`/events/${encodeURIComponent(e.id)}`}>{e.title}</Link>
                    </td>
                    <td>
                      <StatusBadge status={e.state} />
                    </td>
                    <td>
                      <Link href={`/streams/${encodeURIComponent(e.liveStreamId)}`}>
                        {streamName.get(e.liveStreamId) ?? e.liveStreamId}
                      </Link>
                    </td>
                    <td>{formatDateTime(e.scheduledStartAt)}</td>
                    <td>{formatDateTime(e.scheduledEndAt)}</td>
                    <td className="muted">
                      {e.startedAt
                        ? `${formatDateTime(e.startedAt)} → ${e.endedAt ? formatDateTime(e.endedAt) : 'now'}`
                        : '—'}
                    </td>
                    <td>
                      <EventTransitions event={e} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedList>
    </>
  );
}
