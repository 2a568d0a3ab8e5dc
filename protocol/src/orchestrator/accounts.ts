import { z } from 'zod';

/** `none`: one local user, loopback only (`pnpm start`); `oidc`: users sign in with OpenID Connect. */
export const AuthMode = z.enum(['none', 'oidc']);
export type AuthMode = z.infer<typeof AuthMode>;

/** Per-user limits; null means no limit. */
export const Quota = z.object({
  maxRepls: z.number().int().min(0).nullable(),
  maxRunning: z.number().int().min(0).nullable(),
});
export type Quota = z.infer<typeof Quota>;

export const UserRecord = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  /** An avatar URL from the identity provider's `picture` claim. */
  picture: z.string().nullable(),
  admin: z.boolean(),
  /** The limits in force: the admin's override where set, else the configured defaults. */
  quota: Quota,
  /** The admin's override only (null fields follow the defaults). */
  quotaOverride: z.object({ maxRepls: z.number().int().nullable(), maxRunning: z.number().int().nullable() }),
  createdAt: z.string().describe('ISO 8601'),
  lastLoginAt: z.string().nullable().describe('ISO 8601'),
});
export type UserRecord = z.infer<typeof UserRecord>;

/** `GET /api/me`: who the caller is, and how this Cubicle signs people in. */
export const Me = z.object({ authMode: AuthMode, user: UserRecord });
export type Me = z.infer<typeof Me>;

export const UserList = z.object({ users: z.array(UserRecord) });
export type UserList = z.infer<typeof UserList>;

/** `PUT /api/users/:userId/quota` (admins): null puts a limit back to the default. */
export const SetQuotaRequest = z.strictObject({
  maxRepls: z.number().int().min(0).max(100_000).nullable(),
  maxRunning: z.number().int().min(0).max(10_000).nullable(),
});
export type SetQuotaRequest = z.infer<typeof SetQuotaRequest>;

export const UserId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a user id');

/** A personal access token as listed: never its secret, which is shown once at creation. */
export const AccessTokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  expiresAt: z.string().nullable().describe('ISO 8601; null: until revoked'),
  lastUsedAt: z.string().nullable().describe('ISO 8601'),
});
export type AccessTokenRecord = z.infer<typeof AccessTokenRecord>;

export const AccessTokenId = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/, 'not a token id');

export const CreateAccessTokenRequest = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^\p{Cc}]+$/u, 'no control characters'),
  /** Omitted: the token lasts until it is revoked. */
  expiresInDays: z.number().int().min(1).max(366).optional(),
});
export type CreateAccessTokenRequest = z.infer<typeof CreateAccessTokenRequest>;

/** The only answer that carries the token itself (`cub_…`): it is stored hashed. */
export const CreatedAccessToken = z.object({ token: z.string(), record: AccessTokenRecord });
export type CreatedAccessToken = z.infer<typeof CreatedAccessToken>;

export const AccessTokenList = z.object({ tokens: z.array(AccessTokenRecord) });
export type AccessTokenList = z.infer<typeof AccessTokenList>;

/** Who may open a repl's previews: `private`, users allowed on the repl; `public`, anyone with the link. */
export const ShareLevel = z.enum(['private', 'public']);
export type ShareLevel = z.infer<typeof ShareLevel>;

export const SetShareRequest = z.strictObject({ share: ShareLevel });
export type SetShareRequest = z.infer<typeof SetShareRequest>;

/**
 * `POST /api/repls/:id/preview-ticket`: a one-time address on the preview host that signs the
 * caller in there (the IDE's preview frame opens it; a new tab goes through `/auth/preview`).
 */
export const PreviewTicket = z.object({ url: z.string(), expiresAt: z.string().describe('ISO 8601') });
export type PreviewTicket = z.infer<typeof PreviewTicket>;

/**
 * A path on this host only: `/x`, never `//evil.example` nor `/\evil.example` (browsers read both as
 * another host). Every redirect to a path a request named is checked with it (no open redirect).
 */
export const LOCAL_PATH = /^\/(?![/\\])/;
export const isLocalPath = (p: unknown): p is string => typeof p === 'string' && LOCAL_PATH.test(p);

export const PreviewTicketRequest = z.strictObject({
  /** The preview host's path to land on. */
  path: z.string().max(2048).regex(LOCAL_PATH, 'a path on the preview host, starting with one /').default('/'),
  /** A port's own preview (`<port>-<id>` host); omitted: the app's. */
  port: z.number().int().min(1).max(65535).optional(),
});
export type PreviewTicketRequest = z.infer<typeof PreviewTicketRequest>;

export const ReplListQuery = z.object({
  /** Admins: every user's repls, not only their own. */
  all: z.enum(['true', 'false']).default('false'),
});
export type ReplListQuery = z.infer<typeof ReplListQuery>;
