'use client';

import type { LiveStream } from '@tributary/contracts';
import { useState, useTransition } from 'react';
import { CopyButton } from '@/components/copy-button';
import { ffmpegPublishCommand, obsSettings } from '@/lib/encoder-settings';
import { MASKED_SECRET } from '@/lib/format';
import { revealStreamKey, rotateStreamKey } from '../actions';

const KEY_PLACEHOLDER = '<stream key>';

/**
 * Where and how to publish: RTMP (and, where an edge serves it, RTMPS) server URL(s), the stream key (hidden until revealed,
 * fetched from the api only then), and OBS / ffmpeg settings to paste.
 */
export function EncoderSetup({ streamId, ingest }: { streamId: string; ingest: LiveStream['ingest'] }) {
  const [streamKey, setStreamKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const server = ingest[0]?.server ?? null;

  const run = (action: typeof revealStreamKey, doneNotice: string | null) =>
    startTransition(async () => {
      const state = await action(streamId);
      if (state.status === 'ok') {
        setStreamKey(state.result.streamKey);
        setError(null);
        setNotice(doneNotice);
      } else if (state.status === 'error') setError(state.message);
    });

  const shownKey = streamKey ?? KEY_PLACEHOLDER;
  return (
    <div className="stack">
      <dl className="kv">
        {ingest.map((i) => (
          <div key={i.server} style={{ display: 'contents' }}>
            <dt>RTMP server{i.region ? ` (${i.region})` : ''}</dt>
            <dd className="secret">
              <code data-testid="rtmp-server">{i.server}</code>
              <CopyButton value={i.server} label="Copy URL" />
            </dd>
            {i.rtmpsServer && (
              <>
                <dt>RTMPS server (TLS){i.region ? ` (${i.region})` : ''}</dt>
                <dd className="secret">
                  <code data-testid="rtmps-server">{i.rtmpsServer}</code>
                  <CopyButton value={i.rtmpsServer} label="Copy URL" />
                </dd>
              </>
            )}
          </div>
        ))}
        <dt>Stream key</dt>
        <dd className="secret">
          <code data-testid="stream-key">{streamKey ?? MASKED_SECRET}</code>
          {streamKey ? (
            <>
              <CopyButton value={streamKey} label="Copy key" />
              <button type="button" className="secondary small" onClick={() => setStreamKey(null)}>
                Hide
              </button>
            </>
          ) : (
            <button
              type="button"
              className="secondary small"
              disabled={pending}
              onClick={() => run(revealStreamKey, null)}
            >
              Reveal
            </button>
          )}
          <button
            type="button"
            className="danger small"
            disabled={pending}
            onClick={() => {
              if (
                window.confirm('Rotate the stream key? Encoders using the old key can no longer publish.')
              ) {
                run(rotateStreamKey, 'New key issued: update your encoder.');
              }
            }}
          >
            Rotate key
          </button>
        </dd>
      </dl>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {notice && <output className="form-ok">{notice}</output>}
      {server === null ? (
        <p className="muted">No edge is registered yet, so there is no ingest URL. An operator adds edges.</p>
      ) : (
        <div className="grid-2">
          <div>
            <h2>OBS</h2>
            <dl className="kv">
              {obsSettings(server, shownKey).map((s) => (
                <div key={s.label} style={{ display: 'contents' }}>
                  <dt>{s.label}</dt>
                  <dd className="mono">{s.value}</dd>
                </div>
              ))}
            </dl>
          </div>
          <div className="stack">
            <h2>ffmpeg</h2>
            <pre data-testid="ffmpeg-command">{ffmpegPublishCommand(server, shownKey)}</pre>
            {streamKey ? (
              <div className="row">
                <CopyButton value={ffmpegPublishCommand(server, streamKey)} label="Copy command" />
              </div>
            ) : (
              <span className="muted">Reveal the key to copy a ready-to-run command.</span>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
