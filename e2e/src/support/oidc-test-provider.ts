import http from 'node:http';
import { freePort } from '@cubicle/orchestrator/test-support/localhost';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import Provider, { type Configuration } from 'oidc-provider';

/** The people the test provider knows: any password signs them in (the provider's development login page). */
export const TEST_ACCOUNTS = {
  alice: { email: 'alice@example.com', name: 'Alice Liddell', groups: ['developers'] },
  bob: { email: 'bob@example.com', name: 'Bob Builder', groups: ['developers'] },
  root: { email: 'root@example.com', name: 'Rita Root', groups: ['cubicle-admins'] },
} as const;
export type TestAccount = keyof typeof TEST_ACCOUNTS;

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * A real, certified OpenID provider (oidc-provider) on loopback: discovery, the authorization
 * endpoint with its own login page, PKCE, signed ID tokens. Consent is granted for the one
 * first-party client, as a company's provider would.
 */
export async function startTestProvider(redirectUris: string[]): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'cubicle';
  const clientSecret = 'cubicle-test-client-secret-0123456789';
  const config: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris.map((u) => new URL('/', u).href),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'picture'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false, // the ID token carries the scopes' claims (Cubicle reads only the ID token)
    cookies: { keys: ['cubicle-test-provider-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => {
      const account = TEST_ACCOUNTS[id as TestAccount];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          picture: `https://avatars.example.com/${id}.png`,
          groups: [...account.groups],
        }),
      };
    },
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const client = ctx.oidc.client;
      if (!accountId || !client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, config);
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SignInStack {
  provider: TestProvider;
  h: OrchestratorHarness;
  /** The IDE's address, `http://localhost:<port>` (previews are `<id>.localhost:<port>`). */
  ide: string;
  close(): Promise<void>;
}

/** A test provider and an orchestrator with AUTH=oidc against it; `env` adds settings. */
export async function startSignInStack(env: Record<string, string> = {}): Promise<SignInStack> {
  const port = await freePort();
  const ide = `http://localhost:${port}`;
  const provider = await startTestProvider([`${ide}/auth/callback`]);
  try {
    const h = await startOrchestratorHarness({
      ORCHESTRATOR_PORT: String(port),
      AUTH: 'oidc',
      PUBLIC_URL: ide,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      ...env,
    });
    return {
      provider,
      h,
      ide,
      async close() {
        await h.close();
        await provider.close();
      },
    };
  } catch (err) {
    await provider.close();
    throw err;
  }
}
