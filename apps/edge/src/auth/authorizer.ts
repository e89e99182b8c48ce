import { createHash } from 'node:crypto';
import { isSafeName } from '@tributary/contracts';
import { StatusCode } from '@tributary/rtmp-core';
import type { PlaybackKeyStore } from '../control-plane/playback-keys';
import type { PublishAuthorizer, PublishDecision, PublishGrant } from '../control-plane/publish-authorizer';
import { tokenSubjectsFor } from '../streams/renditions';
import type { ViewerAdmission } from '../streams/stream-registry';
import type { PublishIdentity } from './adobe-authenticator';
import { normalizeIp } from './client-ip';
import type { FailureThrottle } from './failure-throttle';
import { keyServesTenant, TOKEN_REFUSAL_MESSAGES, verifyPlaybackToken } from './playback-token';

/**
 * onStatus codes come from rtmp-core's StatusCode (Adobe's NetStatusEvent codes, plus Publish.Denied,
 * which Wowza and Red5 use for an authorisation refusal). Publish.Failed is not in that list: the edge
 * uses it for a refusal that is not the key's fault (api unreachable, overloaded), so the encoder's
 * user can tell "try again" from "wrong key".
 */
export const PUBLISH_FAILED = 'NetStream.Publish.Failed';

export type Verdict<T> =
  | { allow: true; value: T }
  | { allow: false; code: string; description: string; result: string };

export interface LiveStreamFacts {
  grant: PublishGrant;
  viewers: number;
}

export interface AuthorizerOptions {
  app: string;
  publish: PublishAuthorizer;
  keys: PlaybackKeyStore;
  throttle: FailureThrottle;
  maxViewersPerStream: number;
  /** RTMP_AUTH_APP, named in the refusal of a stream that needs publish credentials. */
  authApp?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** Refusals wait a random 0–250 ms so their timing says nothing about why they were refused. */
const REFUSAL_JITTER_MS = 250;

/**
 * The edge's one authorisation door: connect (app), publish (stream key via the api, cached),
 * play (playback policy, offline token verification, viewer limits). Wrong keys and tokens count
 * against the client IP in the failure throttle (docs/reliability.md: broken-credentials); names are
 * checked against the safe alphabet before anything else sees them (docs/reliability.md: names).
 */
export class Authorizer {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: AuthorizerOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  authorizeConnect(app: string): Verdict<undefined> {
    if (app === this.opts.app || app === this.opts.authApp) return { allow: true, value: undefined };
    return refuse(
      StatusCode.ConnectRejected,
      `Unknown application; use rtmp://<edge>/${this.opts.app}/<name>.`,
      'bad_app',
    );
  }

  /**
   * `identity`: who the connection authenticated as (authmod=adobe), if it did. A stream with publish
   * credentials takes only its own credential's connections; an authenticated connection publishes
   * only its credential's stream.
   */
  async authorizePublish(
    streamKey: string,
    clientIp: string,
    identity?: PublishIdentity,
  ): Promise<Verdict<{ grant: PublishGrant; keyDigest: string }>> {
    if (!isSafeName(streamKey)) {
      return this.refused(
        refuse(StatusCode.PublishBadName, 'Stream keys use only A-Z, a-z, 0-9, _ and -.', 'bad_name'),
      );
    }
    const ip = normalizeIp(clientIp);
    const admission = this.opts.throttle.admit(ip);
    if (!admission.admitted) {
      return this.refused(
        refuse(StatusCode.PublishDenied, 'Too many failed attempts; wait and try again.', 'throttled'),
      );
    }
    if (admission.delayMs > 0) await this.sleep(admission.delayMs);
    const decision = await this.opts.publish.authorize({ streamKey, app: this.opts.app, clientIp: ip });
    if (decision.allowed) {
      this.opts.throttle.recordSuccess(ip);
      const credentials = credentialRefusal(decision.grant, identity, this.opts.authApp);
      if (credentials) return this.refused(credentials);
      return { allow: true, value: { grant: decision.grant, keyDigest: digest(streamKey) } };
    }
    if (decision.reason === 'unknown_key') this.opts.throttle.recordFailure(ip);
    return this.refused(publishRefusal(decision));
  }

  /**
   * Checks a play request. `live` describes the stream when it is live here; when it is not, the
   * token (if any) is verified now and the policy check waits for the publisher (admitsViewer).
   */
  async authorizePlay(
    playbackId: string,
    token: string | undefined,
    clientIp: string,
    live: LiveStreamFacts | undefined,
  ): Promise<Verdict<ViewerAdmission>> {
    if (!isSafeName(playbackId)) {
      return this.refused(refuse(StatusCode.PlayStreamNotFound, 'No stream has this name.', 'bad_name'));
    }
    let admission: ViewerAdmission = { tokenKeyTenantId: undefined };
    if (token !== undefined) {
      const ip = normalizeIp(clientIp);
      const gate = this.opts.throttle.admit(ip);
      if (!gate.admitted) {
        return this.refused(
          refuse(StatusCode.PlayFailed, 'Too many failed attempts; wait and try again.', 'throttled'),
        );
      }
      if (gate.delayMs > 0) await this.sleep(gate.delayMs);
      const verdict = await verifyPlaybackToken(
        token,
        {
          playbackId: tokenSubjectsFor(playbackId, live?.grant),
          tenantId: live?.grant.tenantId ?? null,
          clientIp: ip,
        },
        (kid) => this.opts.keys.resolve(kid),
      );
      if (!verdict.ok) {
        this.opts.throttle.recordFailure(ip);
        return this.refused(
          refuse(StatusCode.PlayFailed, TOKEN_REFUSAL_MESSAGES[verdict.reason], `token_${verdict.reason}`),
        );
      }
      admission = {
        tokenKeyTenantId: verdict.keyTenantId,
        tokenKid: verdict.kid,
        tokenSubject: verdict.claims.sub,
      };
    }
    if (!live) return { allow: true, value: admission };
    const policy = this.admitsViewer(admission, live.grant);
    if (!policy.allow) return this.refused(policy);
    const limit = Math.min(live.grant.maxViewers ?? Number.POSITIVE_INFINITY, this.opts.maxViewersPerStream);
    if (live.viewers >= limit) {
      return this.refused(
        refuse(StatusCode.PlayFailed, 'This stream has reached its viewer limit.', 'viewer_limit'),
      );
    }
    return { allow: true, value: admission };
  }

  /** The policy half of play authorisation, for a viewer who waited for the publisher. */
  admitsViewer(admission: ViewerAdmission, grant: PublishGrant): Verdict<undefined> {
    // A waiting viewer of `<id>_<name>` whose token named `<id>`: the publisher must be that stream's.
    if (admission.tokenSubject !== undefined && admission.tokenSubject !== grant.playbackId)
      return refuse(StatusCode.PlayFailed, TOKEN_REFUSAL_MESSAGES.wrong_stream, 'token_wrong_stream');
    if (admission.tokenKeyTenantId !== undefined) {
      if (keyServesTenant(admission.tokenKeyTenantId, grant.tenantId))
        return { allow: true, value: undefined };
      return refuse(StatusCode.PlayFailed, TOKEN_REFUSAL_MESSAGES.wrong_tenant, 'token_wrong_tenant');
    }
    if (grant.playbackPolicy === 'public') return { allow: true, value: undefined };
    return refuse(
      StatusCode.PlayFailed,
      'This stream needs a playback token: add ?token=<jwt> to the URL.',
      'token_missing',
    );
  }

  private async refused<T>(verdict: Verdict<T>): Promise<Verdict<T>> {
    await this.sleep(Math.floor(Math.random() * REFUSAL_JITTER_MS));
    return verdict;
  }
}

function refuse(
  code: string,
  description: string,
  result: string,
): { allow: false; code: string; description: string; result: string } {
  return { allow: false, code, description, result };
}

/** The publish-credentials rule (authmod=adobe) for a key that is otherwise allowed. */
function credentialRefusal(grant: PublishGrant, identity: PublishIdentity | undefined, authApp?: string) {
  if (identity !== undefined && identity.liveStreamId !== grant.liveStreamId) {
    return refuse(
      StatusCode.PublishDenied,
      `Signed in as ${identity.user}, which may publish its own stream only.`,
      'authmod_wrong_stream',
    );
  }
  if (identity === undefined && grant.publishCredentials === true) {
    const app = authApp ?? '<app>?authmod=adobe';
    return refuse(
      StatusCode.PublishDenied,
      `This stream requires its username and password (authmod=adobe): rtmp://<user>:<password>@<edge>/${app}/<stream key>.`,
      'authmod_required',
    );
  }
  return undefined;
}

function publishRefusal(decision: Extract<PublishDecision, { allowed: false }>) {
  switch (decision.reason) {
    case 'unknown_key':
    case 'unknown_rendition':
      return refuse(StatusCode.PublishBadName, decision.message, decision.reason);
    case 'stream_disabled':
    case 'tenant_suspended':
    case 'live_stream_limit_reached':
      return refuse(StatusCode.PublishDenied, decision.message, decision.reason);
    case 'control_plane_unavailable':
    case 'overloaded':
      return refuse(PUBLISH_FAILED, decision.message, decision.reason);
  }
}

/** Stream keys are only ever held as digests once authorised. */
export function digest(streamKey: string): string {
  return createHash('sha256').update(streamKey).digest('base64url');
}
