import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { ChunkDecoder } from '../chunk/chunk-decoder';
import { ChunkEncoder } from '../chunk/chunk-encoder';
import { MessageType } from '../message/message-types';
import { encodeSetPeerBandwidth, encodeWindowAckSize, PeerBandwidthLimit } from '../message/protocol-control';
import { encodeUserControl } from '../message/user-control';
import { ProtocolSession } from './protocol-session';

/** A session wired to a decoder standing in for the peer: what the session sends is decoded back. */
function pair(): { session: ProtocolSession; sent: RtmpMessage[]; peer: ChunkEncoder } {
  const sent: RtmpMessage[] = [];
  const decoder = new ChunkDecoder();
  const session = new ProtocolSession((buffers) => {
    for (const b of buffers) sent.push(...decoder.push(b));
  });
  return { session, sent, peer: new ChunkEncoder() };
}

const bytesOf = (e: ChunkEncoder, m: RtmpMessage): Buffer => Buffer.concat(e.encode(m));

describe('ProtocolSession', () => {
  it('answers PingRequest with PingResponse carrying the same timestamp', () => {
    const { session, sent, peer } = pair();
    assert.deepEqual(
      session.receive(bytesOf(peer, encodeUserControl({ type: 'PingRequest', timestamp: 77 }))),
      [],
    );
    assert.equal(sent[0]?.payload.toString('hex'), '00070000004d');
  });

  it('sends an Acknowledgement each time the peer window of bytes has arrived (spec 5.4.3)', () => {
    const { session, sent, peer } = pair();
    session.receive(bytesOf(peer, encodeWindowAckSize(1000)));
    const media = (ts: number): RtmpMessage => ({
      csid: 6,
      timestamp: ts,
      typeId: 9,
      messageStreamId: 1,
      payload: Buffer.alloc(600),
    });
    session.receive(bytesOf(peer, media(0)));
    assert.equal(sent.length, 0);
    session.receive(bytesOf(peer, media(1)));
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.typeId, MessageType.Acknowledgement);
    assert.equal(sent[0]?.payload.readUInt32BE(0), session.stats.bytesIn);
  });

  it('answers Set Peer Bandwidth with Window Acknowledgement Size when the window changes (spec 5.4.5)', () => {
    const { session, sent, peer } = pair();
    session.receive(bytesOf(peer, encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic)));
    session.receive(bytesOf(peer, encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic)));
    assert.deepEqual(
      sent.map((m) => [m.typeId, m.payload.readUInt32BE(0)]),
      [[MessageType.WindowAckSize, 5_000_000]],
    );
  });

  it('returns media and commands to the caller and counts bytes both ways', () => {
    const { session, peer } = pair();
    const m: RtmpMessage = {
      csid: 6,
      timestamp: 5,
      typeId: 8,
      messageStreamId: 1,
      payload: Buffer.from('x'),
    };
    const got = session.receive(bytesOf(peer, m));
    assert.deepEqual(
      got.map((x) => x.payload.toString()),
      ['x'],
    );
    session.send(m);
    assert.equal(session.stats.bytesOut, 13);
    assert.equal(session.stats.messagesIn, 1);
  });
});
