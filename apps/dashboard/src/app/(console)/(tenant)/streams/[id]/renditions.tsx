'use client';

import type { LiveStream } from '@tributary/contracts';
import { ActionForm, Field } from '@/components/action-form';
import { CopyButton } from '@/components/copy-button';
import { ffmpegLadderCommand, formatLadder, obsLadderSettings, renditionOutputs } from '@/lib/ladder';
import { setLadder } from '../actions';

const KEY_PLACEHOLDER = '<stream key>';

const SOURCE_HINTS: Record<LiveStream['renditionSource'], string> = {
  none: 'One rendition: what the encoder sends.',
  encoder:
    'The encoder publishes every rendition itself, each to <stream key>_<name>; viewers switch between them (SMIL, HLS, play2).',
  transcode:
    'The encoder sends one stream to the stream key; the ingest edge makes the renditions with ffmpeg.',
};

/**
 * Dynamic streaming: the stream's rendition ladder (edited as one line per rendition) and, for an
 * encoder ladder, the output names and the OBS / ffmpeg settings of each rendition.
 */
export function Renditions({ stream }: { stream: LiveStream }) {
  const server = stream.ingest[0]?.server ?? 'rtmp://<edge>/live';
  const ladder = stream.renditions;
  const live = new Map((stream.currentSession?.renditions ?? []).map((r) => [r.name, r]));
  return (
    <div className="stack">
      {ladder.length === 0 ? (
        <p className="muted">No ladder: viewers get the one rendition the encoder sends.</p>
      ) : (
        <table data-testid="renditions">
          <thead>
            <tr>
              <th>Rendition</th>
              <th>Size</th>
              <th>Video</th>
              <th>Audio</th>
              {stream.renditionSource === 'encoder' && <th>Publish to</th>}
              <th>Plays as</th>
              <th>Live</th>
            </tr>
          </thead>
          <tbody>
            {renditionOutputs(KEY_PLACEHOLDER, ladder).map((out, i) => {
              const r = ladder[i]!;
              return (
                <tr key={r.name}>
                  <td>{r.name}</td>
                  <td>
                    {r.width}x{r.height}
                  </td>
                  <td>{r.videoBitrateKbps} kbps</td>
                  <td>{r.audioBitrateKbps} kbps</td>
                  {stream.renditionSource === 'encoder' && (
                    <td>
                      <code>{out.streamName}</code>
                    </td>
                  )}
                  <td>
                    <code>{`${stream.playbackId}_${r.name}`}</code>
                  </td>
                  <td data-testid="rendition-live">
                    {live.has(r.name)
                      ? `${live.get(r.name)!.bitrateKbps} kbps · ${live.get(r.name)!.viewers} viewers`
                      : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {stream.renditionSource === 'encoder' && ladder.length > 0 && (
        <>
          <h3>ffmpeg (all renditions from one source, keyframes aligned)</h3>
          <pre data-testid="ladder-ffmpeg">{ffmpegLadderCommand(server, KEY_PLACEHOLDER, ladder)}</pre>
          <CopyButton value={ffmpegLadderCommand(server, KEY_PLACEHOLDER, ladder)} label="Copy command" />
          <h3>OBS (one output per rendition)</h3>
          {ladder.map((r) => (
            <dl className="kv" key={r.name}>
              {obsLadderSettings(server, KEY_PLACEHOLDER, r).map((s) => (
                <div key={s.label} style={{ display: 'contents' }}>
                  <dt>{s.label}</dt>
                  <dd>
                    <code>{s.value}</code>
                  </dd>
                </div>
              ))}
            </dl>
          ))}
          <p className="hint">Replace {KEY_PLACEHOLDER} with the stream key (Connect your encoder, above).</p>
        </>
      )}
      <ActionForm action={setLadder.bind(null, stream.id)} submitLabel="Save ladder" aria-label="Renditions">
        <Field
          as="select"
          name="renditionSource"
          label="Renditions from"
          defaultValue={stream.renditionSource}
          hint={SOURCE_HINTS[stream.renditionSource]}
        >
          <option value="none">None (single rendition)</option>
          <option value="encoder">Encoder (publishes each rendition)</option>
          <option value="transcode">Transcode at the edge</option>
        </Field>
        <Field
          as="textarea"
          name="renditions"
          label="Ladder"
          rows={4}
          defaultValue={formatLadder(ladder)}
          placeholder={'high 1280x720 2500 128\nmid 854x480 1200 96\nlow 426x240 400 64'}
          hint="One per line, highest first: name WIDTHxHEIGHT videoKbps audioKbps (up to 6; names a-z 0-9 -)."
        />
      </ActionForm>
    </div>
  );
}
