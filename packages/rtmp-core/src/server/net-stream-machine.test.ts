import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PlayRequest, type PlayTransition, type PublishRequest } from '../command/requests';
import { RtmpError } from '../errors/rtmp-error';
import { type NetStreamEffect, NetStreamMachine } from './net-stream-machine';

/**
 * The NetStream machine alone: no connection, no transport, no clock. Inputs in, effects out; every
 * authorisation is answered by the test, as the connection answers it with its hook's decision.
 */
const LIMITS = { maxPlayListItems: 4 };

function play(name: string, transition: PlayTransition = 'reset', duration = -1): PlayRequest {
  return {
    name,
    query: new URLSearchParams(),
    start: -2,
    duration,
    reset: transition !== 'append',
    transition,
    command: transition === 'reset' || transition === 'append' ? 'play' : 'play2',
  };
}

const publish = (name: string): PublishRequest => ({ name, query: new URLSearchParams(), type: 'live' });

/** Effects as short strings: `status:NetStream.Play.Start`, `control:StreamBegin`, `playing`, ... */
function names(effects: readonly NetStreamEffect[]): string[] {
  return effects
    .filter((e) => e.kind !== 'log')
    .map((e) => {
      if (e.kind === 'status' || e.kind === 'play-status') return `${e.kind}:${e.info.code}`;
      if (e.kind === 'control') return `control:${e.type}`;
      if (e.kind === 'authorize-play') return `authorize-play:${e.req.name}`;
      if (e.kind === 'release-held') return `release-held:${e.deliver}`;
      return e.kind;
    });
}

const LIVE = { recorded: null };

describe('NetStreamMachine', () => {
  it('publishes after authorisation, delivering the held media last; a denied publish drops it', () => {
    const m = new NetStreamMachine(1, LIMITS);
    assert.deepEqual(names(m.publish(publish('key'))), ['authorize-publish']);
    assert.equal(m.state, 'authorizing');
    assert.deepEqual(names(m.publishAuthorized({ allow: true })), [
      'status:NetStream.Publish.Start',
      'published',
      'release-held:true',
    ]);
    assert.throws(() => m.publish(publish('again')), RtmpError);
    assert.deepEqual(names(m.end()), [
      'release-held:false',
      'disarm-duration',
      'status:NetStream.Unpublish.Success',
      'unpublish',
    ]);

    const denied = new NetStreamMachine(1, LIMITS);
    denied.publish(publish('bad'));
    const effects = denied.publishAuthorized({ allow: false, code: 'NetStream.Publish.Denied' });
    assert.deepEqual(names(effects), ['release-held:false', 'status:NetStream.Publish.Denied']);
    assert.equal(denied.state, 'idle');
  });

  it('plays a list: A now, B appended, B after A ends, then Play.Complete and Play.Stop', () => {
    const m = new NetStreamMachine(1, LIMITS);
    assert.deepEqual(names(m.play(play('a'))), ['authorize-play:a']);
    assert.deepEqual(names(m.playAuthorized(LIVE)), [
      'control:StreamBegin',
      'status:NetStream.Play.Reset',
      'status:NetStream.Play.Start',
      'sample-access',
      'playing',
    ]);
    assert.deepEqual(names(m.play(play('b', 'append'))), []);
    const a = m.playRequest;
    assert.deepEqual(names(m.itemEnded(a, 'unpublished')), [
      'release-held:false',
      'disarm-duration',
      'cancel-switch',
      'stop',
      'authorize-play:b',
    ]);
    assert.deepEqual(names(m.playAuthorized(LIVE)), [
      'control:StreamBegin',
      'play-status:NetStream.Play.Switch',
      'status:NetStream.Play.Start',
      'playing',
    ]);
    assert.deepEqual(names(m.itemEnded(m.playRequest, 'unpublished')), [
      'release-held:false',
      'disarm-duration',
      'cancel-switch',
      'stop',
      'play-status:NetStream.Play.Complete',
      'status:NetStream.Play.Stop',
    ]);
    assert.equal(m.state, 'idle');
  });

  it('keeps a single live play waiting when its publisher leaves, and ignores a stale item end', () => {
    const m = new NetStreamMachine(1, LIMITS);
    m.play(play('a'));
    m.playAuthorized(LIVE);
    assert.deepEqual(m.itemEnded(m.playRequest, 'unpublished'), []);
    assert.deepEqual(m.itemEnded(play('other'), 'duration'), []);
    assert.equal(m.state, 'playing');
  });

  it('skips a denied play list item and a live item of duration 0', () => {
    const m = new NetStreamMachine(1, LIMITS);
    m.play(play('a'));
    m.playAuthorized(LIVE);
    m.play(play('denied', 'append'));
    m.play(play('zero', 'append', 0));
    m.play(play('c', 'append'));
    assert.deepEqual(names(m.itemEnded(m.playRequest, 'duration')).at(-1), 'authorize-play:denied');
    assert.deepEqual(names(m.playAuthorized(null)), ['authorize-play:zero']);
    assert.deepEqual(names(m.playAuthorized(LIVE)), ['authorize-play:c']);
    assert.ok(names(m.playAuthorized(LIVE)).includes('playing'));
    assert.equal(m.playRequest?.name, 'c');
  });

  it('switches with play2: Transition, the old stream left after the new one joins, a timed item re-armed', () => {
    const m = new NetStreamMachine(1, LIMITS);
    m.play(play('high'));
    m.playAuthorized(LIVE);
    assert.deepEqual(names(m.play(play('low', 'switch', 30))), ['authorize-play:low']);
    assert.deepEqual(names(m.playAuthorized(LIVE)), [
      'status:NetStream.Play.Transition',
      'disarm-duration',
      'stop',
      'arm-duration',
      'playing',
    ]);
    assert.equal(m.switching, true);
    // A repeated play of the stream being switched to is not a no-op while the switch is pending.
    assert.deepEqual(names(m.play(play('low'))), ['authorize-play:low']);
  });

  it('bounds the play list and stops on play2 stop', () => {
    const m = new NetStreamMachine(1, LIMITS);
    m.play(play('a'));
    m.playAuthorized(LIVE);
    for (let i = 0; i < LIMITS.maxPlayListItems; i++) m.play(play(`n${i}`, 'append'));
    assert.throws(() => m.play(play('over', 'append')), /play list over 4 items/);
    assert.deepEqual(names(m.play(play('', 'stop'))).slice(-2), ['stop', 'status:NetStream.Play.Stop']);
    assert.equal(m.playList.length, 0);
  });

  it('ignores a repeated plain play of what it plays', () => {
    const m = new NetStreamMachine(1, LIMITS);
    m.play(play('a'));
    m.playAuthorized(LIVE);
    assert.deepEqual(names(m.play(play('a'))), []);
  });

  /**
   * Random sequences of everything a peer and the application can do. Invariants after every step:
   * a stream is subscribed to at most one broadcast, exactly while it plays ('playing' joins, 'stop'
   * leaves); it publishes exactly between 'published' and 'unpublish'; an authorisation is the last
   * effect of its list; every Play.Start comes after a StreamBegin in the same list; the play list stays
   * within its bound.
   */
  it('keeps its invariants over random inputs (property)', () => {
    const input = fc.oneof(
      fc.record({
        kind: fc.constant('play' as const),
        name: fc.constantFrom('a', 'b', 'c'),
        t: fc.constantFrom<PlayTransition>('reset', 'append', 'switch', 'swap', 'stop'),
        duration: fc.constantFrom(-1, 0, 5),
      }),
      fc.record({ kind: fc.constant('publish' as const) }),
      fc.record({
        kind: fc.constantFrom('ended' as const),
        cause: fc.constantFrom('unpublished' as const, 'duration' as const, 'complete' as const),
      }),
      fc.record({
        kind: fc.constantFrom(
          'end' as const,
          'closing' as const,
          'seek' as const,
          'pause' as const,
          'settle' as const,
        ),
      }),
    );
    const answer = fc.constantFrom('deny', 'live', 'recorded');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(input, fc.array(answer, { minLength: 8, maxLength: 8 })), { maxLength: 40 }),
        (steps) => {
          const m = new NetStreamMachine(1, LIMITS);
          let subscribed = 0;
          let publishing = 0;
          const check = (effects: readonly NetStreamEffect[]): void => {
            let begun = false;
            effects.forEach((e, i) => {
              if (e.kind === 'authorize-play' || e.kind === 'authorize-publish')
                assert.equal(i, effects.length - 1, 'an authorisation is the last effect');
              if (e.kind === 'playing') subscribed++;
              if (e.kind === 'stop') subscribed--;
              if (e.kind === 'published') publishing++;
              if (e.kind === 'unpublish') publishing--;
              if (e.kind === 'control' && e.type === 'StreamBegin') begun = true;
              if (e.kind === 'status' && e.info.code === 'NetStream.Play.Start' && m.recorded === null)
                assert.ok(begun, 'Play.Start without StreamBegin');
            });
          };
          for (const [step, answers] of steps) {
            let effects: NetStreamEffect[] = [];
            try {
              if (step.kind === 'play') effects = m.play(play(step.name, step.t, step.duration));
              else if (step.kind === 'publish') effects = m.publish(publish('k'));
              else if (step.kind === 'ended') effects = m.itemEnded(m.playRequest, step.cause);
              else if (step.kind === 'end') effects = m.end();
              else if (step.kind === 'closing') effects = m.closing();
              else if (step.kind === 'seek') effects = m.seek(1000);
              else if (step.kind === 'pause') effects = m.pause(true, 0);
              else m.switchSettled();
            } catch (err) {
              assert.ok(err instanceof RtmpError, String(err));
              continue;
            }
            check(effects);
            for (const a of answers) {
              const last = effects.at(-1);
              if (last?.kind === 'authorize-play')
                effects = m.playAuthorized(
                  a === 'deny' ? null : { recorded: a === 'recorded' ? { durationMs: 1000 } : null },
                );
              else if (last?.kind === 'authorize-publish')
                effects = m.publishAuthorized({ allow: a !== 'deny' });
              else break;
              check(effects);
            }
            const waiting = effects.at(-1)?.kind.startsWith('authorize');
            if (waiting) continue; // a hook still runs: the connection queues everything behind it
            assert.equal(
              subscribed,
              m.state === 'playing' ? 1 : 0,
              `subscriptions ${subscribed} in ${m.state}`,
            );
            assert.equal(publishing, m.state === 'publishing' ? 1 : 0);
            assert.ok(m.playList.length <= LIMITS.maxPlayListItems);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
