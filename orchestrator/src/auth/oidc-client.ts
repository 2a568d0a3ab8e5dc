import * as oidc from 'openid-client';
import { isLoopback, type OidcConfig } from '../config.js';
import type { SignInClaims } from '../state/user-store.js';

export interface LoginStart {
  /** The provider's authorization URL to send the browser to. */
  url: string;
  state: string;
  verifier: string;
  nonce: string;
}

/**
 * The OpenID Connect relying party (openid-client): authorization code flow with PKCE, state and
 * nonce. Discovery happens at the first sign-in and is retried at the next one if the provider
 * was down, so the orchestrator starts whether or not the provider is up.
 */
export class OidcClient {
  private discovered: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly settings: OidcConfig,
    private readonly redirectUrl: string,
  ) {}

  async begin(): Promise<LoginStart> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, verifier, nonce };
  }

  /** Trades the callback's code for verified ID-token claims. */
  async finish(callbackQuery: string, login: LoginStart): Promise<SignInClaims> {
    const config = await this.configuration();
    const current = new URL(this.redirectUrl);
    current.search = callbackQuery;
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider sent no ID token');
    const text = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : null);
    const email = text('email')?.toLowerCase() ?? null;
    return {
      subject: `${claims.iss}#${claims.sub}`,
      email,
      name: text('name') ?? text('preferred_username') ?? email ?? claims.sub,
      picture: text('picture'),
      admin: this.isAdmin(claims, email),
    };
  }

  /** Where the provider ends its own session too, when it publishes one. */
  async endSessionUrl(postLogoutUrl: string): Promise<string | null> {
    const config = await this.configuration().catch(() => null);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: postLogoutUrl }).href;
  }

  private isAdmin(claims: Record<string, unknown>, email: string | null): boolean {
    if (email && claims.email_verified !== false && this.settings.adminEmails.includes(email)) return true;
    const rule = this.settings.adminClaim;
    if (!rule) return false;
    const value = claims[rule.name];
    return Array.isArray(value) ? value.includes(rule.value) : value === rule.value;
  }

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= (async () => {
      const issuer = new URL(this.settings.issuer);
      // Plain http only for a provider on this machine (development, tests); anything else must be https.
      const options = isLoopback(issuer.hostname) ? { execute: [oidc.allowInsecureRequests] } : undefined;
      return oidc.discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, options);
    })().catch((err: unknown) => {
      this.discovered = null;
      throw err;
    });
    return this.discovered;
  }
}
