import type {
  AccessTokenRecord,
  AuthMode,
  CreateAccessTokenRequest,
  CreatedAccessToken,
  Quota,
  SetQuotaRequest,
  UserRecord,
} from '@cubicle/protocol';
import { ApiError } from '../api-error.js';
import type { Principal } from '../auth/principal.js';
import type { AccessTokenStore } from '../state/access-token-store.js';
import type { AuditLog } from '../state/audit-log.js';
import type { UserRow, UserStore } from '../state/user-store.js';
import { effectiveQuota } from './quotas.js';

export interface AccountServiceDeps {
  mode: AuthMode;
  users: UserStore;
  accessTokens: AccessTokenStore;
  audit: AuditLog;
  defaultQuota: { maxRepls: number; maxRunning: number };
}

/** Users, their limits and their access tokens, as the API shows them. */
export class AccountService {
  constructor(private readonly d: AccountServiceDeps) {}

  me(who: Principal): { authMode: AuthMode; user: UserRecord } {
    return { authMode: this.d.mode, user: this.toRecord(this.requireUser(who.userId)) };
  }

  quotaOf(userId: string): Quota {
    return effectiveQuota(this.d.users.get(userId), this.d.defaultQuota);
  }

  listUsers(who: Principal): UserRecord[] {
    this.requireAdmin(who);
    return this.d.users.list().map((u) => this.toRecord(u));
  }

  setQuota(who: Principal, userId: string, q: SetQuotaRequest): UserRecord {
    this.requireAdmin(who);
    const user = this.d.users.setQuota(userId, q.maxRepls, q.maxRunning);
    if (!user) throw new ApiError('ENOENT', `no user ${userId}`);
    this.d.audit.record(who.userId, 'user.quota', '', { user: userId, ...q }, userId);
    return this.toRecord(user);
  }

  listTokens(who: Principal): AccessTokenRecord[] {
    return this.d.accessTokens.list(who.userId);
  }

  createToken(who: Principal, req: CreateAccessTokenRequest): CreatedAccessToken {
    const created = this.d.accessTokens.create(who.userId, req.name, req.expiresInDays);
    this.d.audit.record(who.userId, 'token.create', '', { id: created.record.id, name: req.name }, who.userId);
    return created;
  }

  revokeToken(who: Principal, id: string): void {
    if (!this.d.accessTokens.revoke(who.userId, id)) throw new ApiError('ENOENT', `you have no token ${id}`);
    this.d.audit.record(who.userId, 'token.revoke', '', { id }, who.userId);
  }

  private requireAdmin(who: Principal): void {
    if (!who.admin) throw new ApiError('EFORBIDDEN', 'only admins may do this');
  }

  private requireUser(id: string): UserRow {
    const user = this.d.users.get(id);
    if (!user) throw new ApiError('EACCES', 'this account no longer exists: sign in again');
    return user;
  }

  private toRecord(u: UserRow): UserRecord {
    return {
      id: u.id,
      name: u.name,
      email: u.email,
      picture: u.picture,
      admin: u.admin,
      quota: this.quotaOf(u.id),
      quotaOverride: { maxRepls: u.maxRepls, maxRunning: u.maxRunning },
      createdAt: u.createdAt,
      lastLoginAt: u.lastLoginAt,
    };
  }
}
