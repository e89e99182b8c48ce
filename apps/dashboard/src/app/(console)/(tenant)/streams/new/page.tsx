import type { Metadata } from 'next';
import Link from 'next/link';
import { createStream } from '../actions';
import { StreamForm } from '../stream-form';

export const metadata: Metadata = { title: 'New live stream' };

export default function NewStreamPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>New live stream</h1>
          <p>A stream has one stream key for your encoder and one playback id for viewers.</p>
        </div>
        <Link href="/streams">Cancel</Link>
      </div>
      <div className="card">
        <StreamForm action={createStream} submitLabel="Create live stream" />
      </div>
    </>
  );
}
