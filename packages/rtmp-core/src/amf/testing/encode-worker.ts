/**
 * Worker body for tests that must fail, not hang, when an encoder does exponential work: decodes the
 * AMF0 bytes it is given, re-encodes the values, and posts 'ok', an AmfError code, or another error.
 * The test terminates the worker at its deadline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AmfError } from '../amf-error';
import { decodeAmf0, encodeAmf0 } from '../amf0';

const { bytes, maxBytes } = workerData as { bytes: Uint8Array; maxBytes?: number };
try {
  const values = decodeAmf0(bytes);
  encodeAmf0(values, maxBytes === undefined ? {} : { limits: { maxBytes } });
  parentPort?.postMessage('ok');
} catch (err) {
  parentPort?.postMessage(err instanceof AmfError ? err.code : `error: ${String(err)}`);
}
