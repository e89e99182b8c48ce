import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime } from '@/lib/format';
import { api } from '@/server/api-client';
import { ApiError } from '@/server/api-error';
import { requireViewer } from '@/server/session';
import { updateEvent } from '../actions';
import { EventForm } from '../event-form';
import { EventTransitions } from '../event-transitions';

export const metadata: Metadata = { title: 'Live event' };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { caller } = await requireViewer();
  const event = await api.liveEvents.get(caller, id).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  });
  const editable = event.state === 'scheduled' || event.state === 'live';
  return (
    <>
      <div className="page-header">
        <div>
          <p>
            <Link href="/events">Live events</Link> /
          </p>
          <h1 className="row">
            {event.title} <StatusBadge status={event.state} />
          </h1>
        </div>
        <EventTransitions event={event} />
      </div>
      <section className="card">
        <dl className="kv">
          <dt>Live stream</dt>
          <dd>
            <Link href={`/streams/${encodeURIComponent(event.liveStreamId)}`}>
              Open stream and encoder settings
            </Link>
          </dd>
          <dt>Scheduled</dt>
          <dd>
            {formatDateTime(event.scheduledStartAt)} → {formatDateTime(event.scheduledEndAt)}
          </dd>
          <dt>Went live</dt>
          <dd>{formatDateTime(event.startedAt)}</dd>
          <dt>Ended</dt>
          <dd>{formatDateTime(event.endedAt)}</dd>
        </dl>
      </section>
      {editable && (
        <section className="card">
          <h2>Edit</h2>
          <EventForm action={updateEvent.bind(null, event.id)} event={event} submitLabel="Save event" />
        </section>
      )}
    </>
  );
}
