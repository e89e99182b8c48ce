import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './control-plane';
import { Peers } from './peers';
import { WebhookReceiver } from './webhook-receiver';

/**
 * What a webhook end-to-end test starts from: a customer's receiver, a real control plane allowed to
 * deliver to it (WEBHOOK_ALLOWED_HOSTS), a tenant with a live stream, one real edge, and a 2 s clip to
 * publish. `stop()` ends all of it (safe on a half-made scene).
 */
export interface WebhookScene {
  dir: string;
  receiver: WebhookReceiver;
  plane: ControlPlane;
  owner: TenantHandle;
  stream: StreamHandle;
  edge: EdgeHandle;
  peers: Peers;
  clip: string;
  stop(): Promise<void>;
}

export async function startWebhookScene(names: {
  /** Prefix of the scene's temporary directory. */
  dir: string;
  tenant: string;
  stream: string;
  edge: string;
}): Promise<WebhookScene> {
  const dir = mkdtempSync(join(tmpdir(), `${names.dir}-`));
  const peers = new Peers();
  let receiver: WebhookReceiver | undefined;
  let plane: ControlPlane | undefined;
  const stop = async () => {
    await peers.stopAll();
    await plane?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    receiver = await WebhookReceiver.start();
    plane = await ControlPlane.start({ dir, env: { WEBHOOK_ALLOWED_HOSTS: receiver.allowedHost } });
    const owner = await plane.newTenant(names.tenant);
    const stream = await plane.newStream(owner, names.stream);
    const edge = await plane.startEdge({ name: names.edge });
    const clip = join(dir, 'clip.flv');
    await peers.makeClip(clip, 2);
    return { dir, receiver, plane, owner, stream, edge, peers, clip, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
