// A process that records an FLV file's tags through Recordings in real time, for the crash test
// (test/recording.test.ts kills it with SIGKILL mid-write). argv: <source.flv> <recordings dir>
import { readFileSync } from 'node:fs';
import type { MediaMessage } from '@tributary/rtmp-core';
import { createLogger } from '@tributary/service-kit';
import { MetricsRegistry } from '../../src/http/metrics';
import { Recordings } from '../../src/recording/flv-recorder';

const [source, dir] = process.argv.slice(2) as [string, string];
const file = readFileSync(source);
const recordings = new Recordings({
  dir,
  maxBytes: 1e9,
  maxQueuedBytes: 64 << 20,
  logger: createLogger({ name: 'record-child', level: 'silent' }),
  metrics: new MetricsRegistry(),
});
const rec = recordings.open({ tenantId: 'tn_crash', liveStreamId: 'ls_crash', playbackId: 'pb_crash' });
const tags: MediaMessage[] = [];
for (let at = 13; at + 11 <= file.length; ) {
  const size = file.readUIntBE(at + 1, 3);
  const ts = file.readUIntBE(at + 4, 3) | ((file[at + 7] as number) << 24);
  const type = file[at];
  if (type === 8 || type === 9)
    tags.push({ typeId: type, timestamp: ts, payload: file.subarray(at + 11, at + 11 + size) });
  at += 11 + size + 4;
}
const t0 = Date.now();
let i = 0;
let told = false;
const tick = () => {
  while (i < tags.length && (tags[i] as MediaMessage).timestamp <= Date.now() - t0)
    rec.write(tags[i++] as MediaMessage);
  if (!told && i >= 30) {
    told = true;
    process.stdout.write('writing\n');
  }
  if (i < tags.length) setTimeout(tick, 5);
};
tick();
