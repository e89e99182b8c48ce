import { SESSION_COOKIE } from '@tributary/contracts';

/**
 * Direct calls to the api's public REST API for test setup that the dashboard offers no
 * page for (adding a user to a tenant) and for checking what the browser did.
 */
export class RestSession {
  private constructor(
    private readonly apiUrl: string,
    private readonly cookie: string,
  ) {}

  static async login(apiUrl: string, email: string, password: string): Promise<RestSession> {
    const res = await fetch(`${apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`login as ${email}: ${res.status} ${await res.text()}`);
    const pair = res.headers
      .getSetCookie()
      .map((line) => line.split(';')[0] ?? '')
      .find((p) => p.startsWith(`${SESSION_COOKIE}=`));
    if (!pair) throw new Error('login set no session cookie');
    return new RestSession(apiUrl, pair);
  }

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; tenantId?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { cookie: this.cookie };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.tenantId) headers['x-tenant-id'] = options.tenantId;
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Creates tenant `name` (as the operator this session is) with `owner` as its owner; resolves with its id. */
  async tenantWithOwner(
    name: string,
    owner: { email: string; name: string; password: string },
  ): Promise<string> {
    const tenantId = (await this.request<{ id: string }>('POST', '/v1/tenants', { body: { name } })).id;
    await this.request('POST', `/v1/tenants/${tenantId}/users`, { body: { ...owner, role: 'owner' } });
    return tenantId;
  }
}
