import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIp, isAllowListed, parseIp, parseIpv4, parseWebhookUrl, refusal } from './address-policy';

const refusedHost = (host: string) => {
  const ip = parseIp(host);
  assert.ok(ip, `${host} parses as an address`);
  return refusal(ip);
};

test('loopback, private, link-local, CGNAT, metadata, multicast and reserved IPv4 are refused', () => {
  for (const h of [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '198.18.0.1',
  ]) {
    assert.ok(refusedHost(h), h);
  }
  for (const h of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1']) {
    assert.equal(refusedHost(h), undefined, h);
  }
});

test('numeric spellings of loopback are read as the address they name', () => {
  for (const h of [
    '2130706433',
    '0177.0.0.1',
    '0x7f.1',
    '0x7f000001',
    '127.1',
    '0177.1',
    '017700000001',
    '127.0.0.1.',
  ]) {
    assert.equal(parseIpv4(h), 0x7f000001, h);
    assert.equal(refusedHost(h), 'loopback', h);
  }
  assert.equal(parseIpv4('256.0.0.1'), undefined);
  assert.equal(parseIpv4('1.2.3.4.5'), undefined);
  assert.equal(parseIpv4('0x'), 0);
  assert.equal(parseIpv4('08.0.0.1'), undefined);
  assert.equal(parseIpv4('example.com'), undefined);
});

test('IPv6 loopback, mapped, NAT64, ULA, link-local and multicast are refused; global unicast passes', () => {
  for (const h of [
    '[::1]',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::127.0.0.1',
    '2002:7f00:1::',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1%eth0',
    'ff02::1',
    '2001:db8::1',
    '::127.0.0.1',
  ]) {
    assert.ok(refusedHost(h), h);
  }
  assert.equal(refusedHost('2606:4700:4700::1111'), undefined);
  assert.equal(refusedHost('2a00:1450:4001:82b::200e'), undefined);
  assert.equal(refusedHost('::ffff:8.8.8.8'), 'IPv4-mapped');
});

test('webhook URLs: http(s) only, no credentials; WHATWG host spellings land on the address', () => {
  const t = parseWebhookUrl('http://2130706433:8080/hook');
  assert.ok(!('error' in t));
  assert.equal(t.hostPort, '127.0.0.1:8080');
  assert.equal(t.literal && refusal(t.literal), 'loopback');
  const six = parseWebhookUrl('https://[::1]/x');
  assert.ok(!('error' in six));
  assert.equal(six.hostPort, '[::1]:443');
  assert.equal(six.literal && refusal(six.literal), 'loopback');
  for (const bad of [
    'ftp://example.com/',
    'javascript:alert(1)',
    'http://u:p@example.com/',
    'nope',
    `https://e.com/${'a'.repeat(3000)}`,
  ]) {
    assert.ok('error' in parseWebhookUrl(bad), bad);
  }
  const named = parseWebhookUrl('https://Hooks.Example.com/in');
  assert.ok(!('error' in named));
  assert.equal(named.literal, undefined);
  assert.equal(named.hostPort, 'hooks.example.com:443');
  assert.ok(isAllowListed('127.0.0.1:8080', ['127.0.0.1:8080']));
  assert.ok(!isAllowListed('127.0.0.1:8081', ['127.0.0.1:8080']));
});

const octet = fc.integer({ min: 0, max: 255 });
const spell = (n: number, radix: 'd' | 'o' | 'x') =>
  radix === 'd' ? String(n) : radix === 'o' ? `0${n.toString(8)}` : `0x${n.toString(16)}`;
const radix = fc.constantFrom<'d' | 'o' | 'x'>('d', 'o', 'x');

test('property: every inet_aton spelling of an IPv4 address parses to it and gets the same verdict', () => {
  fc.assert(
    fc.property(
      fc.tuple(octet, octet, octet, octet),
      radix,
      fc.integer({ min: 1, max: 4 }),
      (o, r, parts) => {
        const value = ((o[0] * 256 + o[1]) * 256 + o[2]) * 256 + o[3];
        const dotted = o.join('.');
        // `parts` parts: the leading ones are octets, the last carries the remaining bytes.
        const lead = o.slice(0, parts - 1).map((n) => spell(n, r));
        const rest = o.slice(parts - 1).reduce((acc, n) => acc * 256 + n, 0);
        const text = [...lead, spell(rest, r)].join('.');
        assert.equal(parseIpv4(text), value, text);
        assert.equal(refusal({ family: 4, value }), refusedHost(dotted));
        assert.equal(formatIp({ family: 4, value }), dotted);
        // The IPv4-mapped IPv6 form is refused exactly when the IPv4 address is (and always flagged).
        const mapped = refusedHost(`::ffff:${dotted}`);
        assert.ok(mapped?.startsWith('IPv4-mapped'));
        assert.equal(mapped === 'IPv4-mapped', refusal({ family: 4, value }) === undefined);
      },
    ),
  );
});

test('property: IPv6 text round-trips through parse and format; a compressed form equals the full one', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (words) => {
      const full = words.map((w) => w.toString(16)).join(':');
      const parsed = parseIp(full);
      assert.ok(parsed && parsed.family === 6);
      assert.deepEqual(parsed.words, words);
      assert.equal(formatIp(parsed), full);
      // Compress the longest zero run, as resolvers print it.
      const compressed = full.replace(/(^|:)0(:0)+(:|$)/, '::');
      const again = parseIp(compressed);
      assert.ok(again && again.family === 6, compressed);
      assert.deepEqual(again.words, words);
      // Anything outside 2000::/3 is refused.
      if (((words[0] as number) & 0xe000) !== 0x2000) assert.ok(refusal(parsed));
    }),
  );
});

test('property: arbitrary text never throws, and what parses as IPv4 is within 32 bits', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (s) => {
      const ip = parseIp(s);
      if (ip?.family === 4) assert.ok(ip.value >= 0 && ip.value <= 0xffffffff);
      if (ip) refusal(ip);
      parseWebhookUrl(s);
      parseWebhookUrl(`http://${s}/`);
    }),
  );
});
