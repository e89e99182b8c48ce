import { execFileSync } from 'node:child_process';

/**
 * Several "hosts" on one machine, for tests of a fleet spread over a network: each host is a Linux
 * network namespace with its own IP on one bridge, so processes in different hosts talk over real
 * (virtual) links that a test can cut and restore. The test process itself stays in the root
 * namespace, reachable from every host at `gatewayIp` (the bridge's address).
 *
 * Needs root (CAP_NET_ADMIN) and iproute2; `netnsUnavailable()` says why not, for a test to skip.
 */
export interface NetnsHost {
  /** Namespace name, for `ip netns exec`. */
  readonly name: string;
  /** The host's address on the bridge. */
  readonly ip: string;
  /** Prefix of a command run inside the host: `[...prefix, program, ...args]`. */
  readonly prefix: readonly string[];
}

export interface NetnsLab {
  /** The bridge's address: where a host reaches a service the test runs in the root namespace. */
  readonly gatewayIp: string;
  readonly hosts: readonly NetnsHost[];
  /** Takes the host's link down: its packets are dropped both ways, open TCP connections stall. */
  cut(host: NetnsHost): void;
  /** Brings a cut link back. */
  restore(host: NetnsHost): void;
  /**
   * Cuts only the path from `from` to `toIp` (a blackhole route in `from`: its packets there, TCP's
   * ACKs included, vanish without an error, as on a broken link); `from` still reaches every other host.
   */
  block(from: NetnsHost, toIp: string): void;
  /** Removes a block. */
  unblock(from: NetnsHost, toIp: string): void;
  /** Removes every namespace, link and the bridge (processes inside must be stopped first). */
  close(): void;
}

const IP = '/usr/sbin/ip';

/** Undefined when namespaces can be made here; otherwise the reason (for `it(..., { skip })`). */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  try {
    execFileSync(IP, ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return `${IP} (iproute2) is not usable here`;
  }
  return undefined;
}

let labs = 0;

/**
 * `count` hosts on a fresh /24 (the bridge at .1, hosts from .11). Names and the subnet derive from
 * this process's pid and a counter, so test files running in parallel never collide.
 */
export function createNetnsLab(count: number): NetnsLab {
  if (count < 1 || count > 200) throw new RangeError(`count must be 1..200, got ${count}`);
  const id = `${process.pid % 10_000}${labs++}`;
  const subnet = 100 + ((process.pid + labs) % 150);
  const third = labs % 250;
  const base = `10.${subnet}.${third}`;
  const bridge = `trb${id}`.slice(0, 15);
  const gatewayIp = `${base}.1`;
  const ip = (...args: string[]) => execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const hosts: Array<NetnsHost & { hostLink: string }> = [];
  const close = () => {
    for (const h of hosts) {
      try {
        ip('netns', 'del', h.name);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', bridge);
    } catch {
      // already gone
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${gatewayIp}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 0; i < count; i++) {
      const name = `trb${id}h${i}`;
      const hostLink = `tv${id}h${i}`.slice(0, 15);
      const nsLink = `tn${id}h${i}`.slice(0, 15);
      const address = `${base}.${11 + i}`;
      ip('netns', 'add', name);
      hosts.push({ name, ip: address, hostLink, prefix: [IP, 'netns', 'exec', name] });
      ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink);
      ip('link', 'set', nsLink, 'netns', name);
      ip('link', 'set', hostLink, 'master', bridge);
      ip('link', 'set', hostLink, 'up');
      ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', nsLink);
      ip('-n', name, 'link', 'set', nsLink, 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
      ip('-n', name, 'route', 'add', 'default', 'via', gatewayIp);
    }
  } catch (err) {
    close();
    throw err;
  }
  const linkOf = (host: NetnsHost) => {
    const found = hosts.find((h) => h.name === host.name);
    if (!found) throw new Error(`${host.name} is not a host of this lab`);
    return found.hostLink;
  };
  return {
    gatewayIp,
    hosts,
    cut: (host) => ip('link', 'set', linkOf(host), 'down'),
    restore: (host) => ip('link', 'set', linkOf(host), 'up'),
    block: (from, toIp) => ip('-n', from.name, 'route', 'add', 'blackhole', `${toIp}/32`),
    unblock: (from, toIp) => ip('-n', from.name, 'route', 'del', 'blackhole', `${toIp}/32`),
    close,
  };
}
