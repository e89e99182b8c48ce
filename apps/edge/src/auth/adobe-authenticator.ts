import {
  PUBLISH_USERNAME,
  type PublishAuthChallengeRequest,
  type PublishAuthChallengeResponse,
  type PublishAuthVerifyRequest,
  type PublishAuthVerifyResponse,
} from '@tributary/contracts';
import {
  adobeStep,
  authFailedDescription,
  challengeDescription,
  connectQuery,
  needAuthDescription,
} from './adobe-auth';
import { normalizeIp } from './client-ip';
import type { FailureThrottle } from './failure-throttle';

/** Who a connection authenticated as: the credential's stream is the only one it may publish. */
export interface PublishIdentity {
  user: string;
  liveStreamId: string;
  tenantId: string;
}

export type ConnectAuth =
  /** Not an authmod connect (and not on the authenticated application): the usual checks follow. */
  | { kind: 'pass' }
  | { kind: 'authenticated'; identity: PublishIdentity }
  /** `_error` NetConnection.Connect.Rejected with this description; `result` is for logs and metrics. */
  | { kind: 'reject'; description: string; result: string };

export interface AdobeAuthenticatorOptions {
  /** RTMP_AUTH_APP: every connect to this application runs the exchange (undefined: only `?authmod=adobe`). */
  authApp: string | undefined;
  /** The application the api is told about (RTMP_APP). */
  app: string;
  challenge: (req: PublishAuthChallengeRequest) => Promise<PublishAuthChallengeResponse>;
  verify: (req: PublishAuthVerifyRequest) => Promise<PublishAuthVerifyResponse>;
  /** The edge's one failure throttle: wrong passwords count with wrong stream keys and tokens. */
  throttle: FailureThrottle;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The edge's side of FMLE authentication (`authmod=adobe`, contracts publish-auth.ts). Each of the
 * three connects is answered on its own, from the connect alone: the challenge comes from the api,
 * signed and short-lived, and its answer is verified (once) by the api, so the connects may land on
 * different edges. A connect that authenticates is accepted and remembered as its credential's
 * identity, which publish then checks against the stream key (Authorizer.authorizePublish).
 */
export class AdobeAuthenticator {
  private readonly identities = new WeakMap<object, PublishIdentity>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: AdobeAuthenticatorOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** `app` without its query, `rawApp` and `tcUrl` as the connect carried them. */
  async connect(req: { app: string; rawApp: string; tcUrl: string }, clientIp: string): Promise<ConnectAuth> {
    const step = adobeStep(connectQuery(req.tcUrl, req.rawApp));
    const onAuthApp = this.opts.authApp !== undefined && req.app === this.opts.authApp;
    switch (step.kind) {
      case 'none':
        return onAuthApp ? reject(needAuthDescription(), 'authmod_need_auth') : { kind: 'pass' };
      case 'unsupported':
      case 'need_user':
        return reject(needAuthDescription(), 'authmod_need_auth');
      case 'malformed':
        return reject(authFailedDescription(), 'authmod_malformed');
      case 'challenge':
        return this.challenge(step.user, clientIp);
      case 'answer':
        return this.answer(step, clientIp);
    }
  }

  private async challenge(user: string, clientIp: string): Promise<ConnectAuth> {
    // The name goes back in the description: only the username alphabet is echoed.
    if (!PUBLISH_USERNAME.test(user)) return reject(authFailedDescription(), 'authmod_bad_user');
    const ip = normalizeIp(clientIp);
    if (!this.opts.throttle.admit(ip).admitted) return reject(authFailedDescription(), 'authmod_throttled');
    let c: PublishAuthChallengeResponse;
    try {
      c = await this.opts.challenge({ user, app: this.opts.app, clientIp: ip });
    } catch {
      return reject(unavailable(), 'control_plane_unavailable');
    }
    return reject(challengeDescription(user, c.salt, c.challenge, c.opaque), 'authmod_challenged');
  }

  private async answer(
    step: { user: string; clientChallenge: string; response: string; opaque: string },
    clientIp: string,
  ): Promise<ConnectAuth> {
    if (!PUBLISH_USERNAME.test(step.user)) return reject(authFailedDescription(), 'authmod_bad_user');
    const ip = normalizeIp(clientIp);
    const admission = this.opts.throttle.admit(ip);
    if (!admission.admitted) return reject(authFailedDescription(), 'authmod_throttled');
    if (admission.delayMs > 0) await this.sleep(admission.delayMs);
    let verdict: PublishAuthVerifyResponse;
    try {
      verdict = await this.opts.verify({ ...step, app: this.opts.app, clientIp: ip });
    } catch {
      return reject(unavailable(), 'control_plane_unavailable');
    }
    if (!verdict.ok) {
      this.opts.throttle.recordFailure(ip);
      return reject(authFailedDescription(), `authmod_${verdict.reason}`);
    }
    this.opts.throttle.recordSuccess(ip);
    return {
      kind: 'authenticated',
      identity: { user: step.user, liveStreamId: verdict.liveStreamId, tenantId: verdict.tenantId },
    };
  }

  /** Remembers an accepted connection's identity (for as long as the connection object lives). */
  bind(connection: object, identity: PublishIdentity): void {
    this.identities.set(connection, identity);
  }

  identityOf(connection: object): PublishIdentity | undefined {
    return this.identities.get(connection);
  }
}

function reject(description: string, result: string): ConnectAuth {
  return { kind: 'reject', description, result };
}

/** Not an authmod answer (so FFmpeg reports it as a server error, not as a wrong password). */
function unavailable(): string {
  return 'Authentication is unavailable right now; try again shortly.';
}
