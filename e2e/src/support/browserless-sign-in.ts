import { httpRequest } from '@cubicle/orchestrator/test-support/localhost';

/** Cookies by host, as a browser keeps them (enough for these flows: no paths, no expiry). */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: string, setCookie: string[] | undefined): void {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of setCookie ?? []) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }

  header(url: string): string | undefined {
    const jar = this.byHost.get(new URL(url).host);
    return jar?.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  get(url: string, name: string): string | undefined {
    return this.byHost.get(new URL(url).host)?.get(name);
  }
}

/**
 * Follows a chain of redirects with a cookie jar, like a browser's top-level navigation; a
 * `form` posts to the first page's form action (the provider's login page).
 */
export async function browse(
  jar: CookieJar,
  start: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ url: string; status: number; text: string; headers: Record<string, unknown> }> {
  let url = start;
  let method = opts.method ?? 'GET';
  let body = opts.body;
  for (let hop = 0; hop < 20; hop++) {
    const cookie = jar.header(url);
    const reply = await httpRequest(url, {
      method,
      headers: {
        accept: 'text/html',
        'sec-fetch-mode': 'navigate',
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...opts.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    jar.store(url, reply.headers['set-cookie']);
    const location = reply.headers.location;
    if (reply.status < 300 || reply.status >= 400 || !location) return { url, ...reply };
    url = new URL(location, url).href;
    method = 'GET';
    body = undefined;
  }
  throw new Error(`too many redirects from ${start}`);
}

/** Signs `login` in to the orchestrator at `ideUrl` through the provider's own login form. */
export async function signIn(ideUrl: string, login: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const page = await browse(jar, `${ideUrl}/auth/login`);
  const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
  if (!action) throw new Error(`no login form at ${page.url} (${page.status}): ${page.text.slice(0, 300)}`);
  const done = await browse(jar, new URL(action.replace(/&amp;/g, '&'), page.url).href, {
    method: 'POST',
    body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
  });
  if (!jar.get(ideUrl, 'cubicle_session')) {
    throw new Error(
      `no session after signing in as ${login}: ${done.status} at ${done.url}: ${done.text.slice(0, 300)}`,
    );
  }
  return jar;
}
