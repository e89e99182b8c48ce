'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';

type Progress =
  | { state: 'idle' }
  | { state: 'uploading'; sent: number; total: number }
  | { state: 'done'; name: string }
  | { state: 'failed'; message: string };

/**
 * Upload an MP4 or FLV file. XMLHttpRequest rather than fetch: it reports upload progress, which
 * the bar shows. The file goes to the dashboard's upload route, which streams it to the api.
 */
export function UploadForm() {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);
  const [progress, setProgress] = useState<Progress>({ state: 'idle' });

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const file = data.get('file');
    if (!(file instanceof File) || file.size === 0) {
      setProgress({ state: 'failed', message: 'Choose a file to upload.' });
      return;
    }
    // The api reads `file` last, so the other fields come first.
    const body = new FormData();
    const name = String(data.get('name') ?? '').trim();
    if (name) body.set('name', name);
    body.set('playbackPolicy', String(data.get('playbackPolicy') ?? 'public'));
    body.set('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/assets/upload');
    xhr.upload.onprogress = (e) =>
      setProgress({ state: 'uploading', sent: e.loaded, total: e.total || file.size });
    xhr.onerror = () => setProgress({ state: 'failed', message: 'The upload was interrupted. Try again.' });
    xhr.onload = () => {
      let message = `The upload failed (${xhr.status}).`;
      try {
        const json = JSON.parse(xhr.responseText) as { name?: string; error?: { message?: string } };
        if (xhr.status === 201) {
          setProgress({ state: 'done', name: json.name ?? file.name });
          form.current?.reset();
          router.refresh();
          return;
        }
        message = json.error?.message ?? message;
      } catch {
        // not JSON: keep the status line
      }
      setProgress({ state: 'failed', message });
    };
    setProgress({ state: 'uploading', sent: 0, total: file.size });
    xhr.send(body);
  }

  const uploading = progress.state === 'uploading';
  return (
    <form ref={form} onSubmit={submit} className="stack">
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
