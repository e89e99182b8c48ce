'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';

type Progress =
  | { state: 'idle' }
  | { state: 'uploading'; sent: number; total: number; resuming?: boolean }
  | { state: 'done'; name: string }
  | { state: 'failed'; message: string };

/** Each PATCH carries at most this much, so one request stays well inside any request timeout. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** Waits before each retry after a failed request (a network blip, a restarted api); then it gives up. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000];

/**
 * Upload an MP4 or FLV file, resumably: the tus protocol (tus-js-client) to the dashboard's
 * /assets/uploads, relayed to the api's /v1/assets/uploads. The bar shows the bytes the server has;
 * a dropped connection is retried from the offset the server kept, and a page reloaded mid-upload
 * picks the same file up where it stopped (the upload's URL is remembered in localStorage).
 */
export function UploadForm() {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);
  const [progress, setProgress] = useState<Progress>({ state: 'idle' });

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const file = data.get('file');
    if (!(file instanceof File) || file.size === 0) {
      setProgress({ state: 'failed', message: 'Choose a file to upload.' });
      return;
    }
    const name = String(data.get('name') ?? '').trim();
    const playbackPolicy = String(data.get('playbackPolicy') ?? 'public');
    setProgress({ state: 'uploading', sent: 0, total: file.size });
    const tus = await import('tus-js-client');
    const upload = new tus.Upload(file, {
      endpoint: new URL('/assets/uploads', window.location.href).href,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      metadata: { filename: file.name, playbackPolicy, ...(name ? { name } : {}) },
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => setProgress({ state: 'uploading', sent, total: total || file.size }),
      // Network failures, the api restarting (5xx) and offset conflicts are retried, from the offset the
      // server reports; a refusal (4xx: too large, quota) is final.
      onShouldRetry: (err) => {
        const status = (err as TusError).originalResponse?.getStatus() ?? 0;
        const retry = status === 0 || status === 409 || status === 423 || status >= 500;
        if (retry) setProgress((p) => (p.state === 'uploading' ? { ...p, resuming: true } : p));
        return retry;
      },
      onError: (err) => setProgress({ state: 'failed', message: uploadError(err) }),
      onSuccess: () => {
        setProgress({ state: 'done', name: name || file.name });
        form.current?.reset();
        router.refresh();
      },
    });
    const previous = await upload.findPreviousUploads();
    if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  }

  const uploading = progress.state === 'uploading';
  return (
    <form ref={form} onSubmit={(e) => void submit(e)} className="stack">
      <label>
        File (MP4 or FLV: H.264 with AAC or MP3)
        <input
          type="file"
          name="file"
          accept="video/mp4,video/x-flv,.mp4,.flv,.m4v,.mov"
          required
          disabled={uploading}
        />
      </label>
      <label>
        Name <span className="muted">(optional: the file's name)</span>
        <input type="text" name="name" maxLength={200} disabled={uploading} />
      </label>
      <label>
        Playback
        <select name="playbackPolicy" defaultValue="public" disabled={uploading}>
          <option value="public">Public</option>
          <option value="signed">Signed (playback tokens)</option>
        </select>
      </label>
      <div className="row">
        <button type="submit" disabled={uploading}>
          {uploading ? 'Uploading…' : 'Upload'}
        </button>
        {uploading ? (
          <>
            <progress data-testid="upload-progress" max={progress.total} value={progress.sent} />
            <span className="muted">{Math.round((100 * progress.sent) / Math.max(progress.total, 1))}%</span>
            {progress.resuming ? (
              <span className="muted" data-testid="upload-resuming">
                Connection lost: resuming from what the server has…
              </span>
            ) : null}
          </>
        ) : null}
        {progress.state === 'done' ? (
          <span role="status">Uploaded “{progress.name}”: it is being prepared.</span>
        ) : null}
        {progress.state === 'failed' ? (
          <span role="alert" className="form-error">
            {progress.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}

type TusError = Error & { originalResponse?: { getStatus(): number; getBody(): string } | null };

/** The server's reason (the api's message) when there is one, else what tus-js-client says. */
function uploadError(err: Error): string {
  const response = (err as TusError).originalResponse;
  if (response) {
    const body = response.getBody()?.trim();
    if (body) return body;
    return `The upload failed (${response.getStatus()}).`;
  }
  return 'The upload was interrupted and could not be resumed. Try again.';
}
