'use client';

import { CopyButton } from './copy-button';

/**
 * A secret the api returns exactly once (API key, signing private key): shown with a
 * warning, a copy button and, for files, a download link built in the browser.
 */
export function ShownOnce({ title, secret, filename }: { title: string; secret: string; filename?: string }) {
  return (
    <div className="once stack" data-testid="shown-once">
      <strong>{title}</strong>
      <span className="muted">Copy it now: it will not be shown again.</span>
      {secret.includes('\n') ? <pre>{secret}</pre> : <code className="mono">{secret}</code>}
      <div className="row">
        <CopyButton value={secret} />
        {filename && (
          <a
            className="button secondary small"
            download={filename}
            href={`data:application/x-pem-file;charset=utf-8,${encodeURIComponent(secret)}`}
          >
            Download {filename}
          </a>
        )}
      </div>
    </div>
  );
}
