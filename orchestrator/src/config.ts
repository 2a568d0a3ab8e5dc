import fs from 'node:fs';
import path from 'node:path';
import { parseS3Settings, type S3Settings } from '@cubicle/storage';
import type { V1Affinity, V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ReplPodSettings } from './drivers/kubernetes/repl-objects.js';
import type { LocalSandboxSettings } from './drivers/local/local-driver.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `90s`, `30m`, `1h`, `7d`, `500ms`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration such as 90s, 30m or 1h` });
        return z.NEVER;
      }
      return ms;
    });

const hostPattern = z
  .string()
  .regex(/^[a-z0-9.-]*\{id\}[a-z0-9.-]*(:\d+)?$/i, 'must contain {id}, e.g. {id}.preview.example.com')
  .optional();

/** The orchestrator's environment (docs/architecture.md, "Configuration"), validated once at start. */
const OrchestratorEnv = z.object({
  ORCHESTRATOR_HOST: z.string().default('127.0.0.1'),
  ORCHESTRATOR_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ORCHESTRATOR_TOKEN: z.string().min(16, 'ORCHESTRATOR_TOKEN must be at least 16 characters').optional(),
  DRIVER: z.enum(['local', 'kubernetes']).default('local'),
  /** The key that seals repls' secrets at rest (32 bytes, base64); default: DATA_DIR/secrets.key. */
  SECRETS_KEY: z
    .string()
    .optional()
    .refine((k) => k === undefined || Buffer.from(k, 'base64').length === 32, 'SECRETS_KEY must be 32 bytes, base64'),
  DATA_DIR: z.string().default(path.join(REPO_ROOT, '.data')),
  RUNNER_HOST_PATTERN: hostPattern,
  PREVIEW_HOST_PATTERN: hostPattern,
  PUBLIC_SCHEME: z.enum(['http', 'https']).default('http'),
  /** Origins allowed to open a runner socket (the IDE's); default: this server on localhost. */
  ALLOWED_ORIGINS: z.string().optional(),
  /** `none`: one local user, no sign-in (loopback only); `oidc`: users sign in with OpenID Connect. */
  AUTH: z.enum(['none', 'oidc']).default('none'),
  /** The IDE's public address; default http://localhost:<port>. Sign-in redirects and CSRF checks use it. */
  PUBLIC_URL: z.url().optional(),
  /** More Host names the API answers (besides PUBLIC_URL's and ALLOWED_ORIGINS'), comma-separated. */
  ALLOWED_HOSTS: z.string().optional(),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Default: PUBLIC_URL/auth/callback (register it with the provider). */
  OIDC_REDIRECT_URL: z.url().optional(),
  OIDC_SCOPES: z.string().default('openid email profile'),
  /** Admins: these emails (comma-separated), and/or whoever has `claim=value` (e.g. `groups=cubicle-admins`). */
  ADMIN_EMAILS: z.string().optional(),
  ADMIN_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]+=.+$/, 'ADMIN_CLAIM is claim=value, e.g. groups=cubicle-admins')
    .optional(),
  SESSION_TTL: duration('7d'),
  SESSION_IDLE_TIMEOUT: duration('24h'),
  /** Per-user limits for users who are not admins (an admin can override them per user). */
  QUOTA_REPLS: z.coerce.number().int().min(0).default(50),
  QUOTA_RUNNING: z.coerce.number().int().min(0).default(5),
  IDLE_TIMEOUT: duration('30m'),
  TOKEN_TTL: duration('12h'),
  TEMPLATES_DIR: z.string().default(path.join(REPO_ROOT, 'templates')),
  FRONTEND_DIR: z.string().default(path.join(REPO_ROOT, 'frontend', 'dist')),
  /** Make S3_BUCKET at start when it does not exist (an in-cluster MinIO starts with none). */
  S3_CREATE_BUCKET: z.enum(['true', 'false']).default('false'),
  /** Port of the embedded S3 server when no S3_BUCKET is configured (stable, so adopted runners reconnect). */
  S3_PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Local repls: `auto` sandboxes them with bubblewrap where it works (docs/security.md). */
  SANDBOX: z.enum(['auto', 'bwrap', 'none']).default('auto'),
  SANDBOX_UID_BASE: z.coerce
    .number()
    .int()
    .min(1000)
    .max(2 ** 31 - 70000)
    .default(200_000),
  SANDBOX_UID_COUNT: z.coerce.number().int().min(1).max(65_536).default(10_000),
  SANDBOX_MEMORY_MB: z.coerce.number().int().min(0).default(2048),
  SANDBOX_PROCESSES: z.coerce.number().int().min(16).default(512),
  SANDBOX_CPU_WEIGHT: z.coerce.number().int().min(1).max(10_000).default(100),
  SANDBOX_OPEN_FILES: z.coerce.number().int().min(64).default(4096),
});

/** A setting that holds JSON of a given shape (parsed once, at start). */
function jsonOf<T extends z.ZodType>(shape: T, what: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx): z.output<T> | undefined => {
      if (text === undefined) return undefined;
      try {
        const parsed = shape.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // not JSON: reported below
      }
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    });
}

/** `DRIVER=kubernetes`: where and how repl pods run (docs/kubernetes.md). */
const KubernetesEnv = z.object({
  KUBE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .optional(),
  RUNNER_IMAGE: z.string({ error: 'required with DRIVER=kubernetes' }).min(1, 'required with DRIVER=kubernetes'),
  KUBE_SECRET_NAME: z.string().default('cubicle-secrets'),
  REPL_CPU_REQUEST: z.string().default('100m'),
  REPL_CPU_LIMIT: z.string().default('1'),
  REPL_MEMORY_REQUEST: z.string().default('256Mi'),
  REPL_MEMORY_LIMIT: z.string().default('1Gi'),
  REPL_EPHEMERAL_REQUEST: z.string().default('1Gi'),
  REPL_EPHEMERAL_LIMIT: z.string().default('10Gi'),
  REPL_WORKSPACE_SIZE: z.string().default('4Gi'),
  /** Package caches (npm, pip): their own volume, apart from the workspace and HOME. */
  REPL_CACHE_SIZE: z.string().default('4Gi'),
  /**
   * A StorageClass for the workspace and cache volumes: each becomes a per-pod volume claim, so a
   * full disk is ENOSPC for the command that filled it, not an eviction of the pod. Empty: emptyDirs.
   */
  REPL_VOLUME_STORAGE_CLASS: z.string().optional(),
  REPL_RUNTIME_CLASS: z.string().optional(),
  /** Where repl pods may run: `key=value,…` node labels; JSON tolerations and affinity; a PriorityClass. */
  REPL_NODE_SELECTOR: z
    .string()
    .regex(/^([A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$/, 'key=value,key=value')
    .optional(),
  REPL_TOLERATIONS: jsonOf(z.array(z.record(z.string(), z.unknown())), 'a JSON array of tolerations'),
  REPL_AFFINITY: jsonOf(z.record(z.string(), z.unknown()), 'a JSON object (the pod spec affinity)'),
  REPL_PRIORITY_CLASS: z.string().optional(),
  /** Secrets (in the repl namespace) for pulling RUNNER_IMAGE from a private registry, comma-separated. */
  REPL_IMAGE_PULL_SECRETS: z.string().optional(),
  /** How the orchestrator reaches a repl's Service: DNS by default; `{clusterIP}` skips cluster DNS. */
  REPL_SERVICE_HOST_PATTERN: z.string().default('repl-{id}.{namespace}.svc'),
});

export interface KubernetesConfig {
  namespace: string;
  runnerImage: string;
  secretName: string;
  resources: ReplPodSettings['resources'];
  runtimeClassName: string | null;
  scheduling: ReplPodSettings['scheduling'];
  serviceHostPattern: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Undefined: PUBLIC_URL/auth/callback. */
  redirectUrl: string | undefined;
  scopes: string;
  adminEmails: string[];
  adminClaim: { name: string; value: string } | null;
}

export interface AccountsConfig {
  mode: 'none' | 'oidc';
  /** Set with AUTH=oidc. */
  oidc: OidcConfig | null;
  /** Undefined: http://localhost:<port>. */
  publicUrl: string | undefined;
  extraHosts: string[];
  sessionTtlMs: number;
  sessionIdleMs: number;
  defaultQuota: { maxRepls: number; maxRunning: number };
}

export interface OrchestratorConfig {
  host: string;
  port: number;
  apiToken: string | undefined;
  accounts: AccountsConfig;
  /** SECRETS_KEY decoded, or null for the key file in DATA_DIR. */
  secretsKey: Buffer | null;
  driver: 'local' | 'kubernetes';
  /** Set with DRIVER=kubernetes. */
  kubernetes: KubernetesConfig | null;
  dataDir: string;
  /** Host patterns; undefined → `{id}-ws.localhost:<port>` / `{id}.localhost:<port>` once the port is known. */
  runnerHostPattern: string | undefined;
  previewHostPattern: string | undefined;
  publicScheme: 'http' | 'https';
  allowedOrigins: string[] | undefined;
  idleTimeoutMs: number;
  tokenTtlMs: number;
  templatesDir: string;
  frontendDir: string;
  /** Object storage, or null: start the embedded S3 server (data in DATA_DIR/s3) on `embeddedS3Port`. */
  s3: S3Settings | null;
  /** S3_CREATE_BUCKET: make the bucket when it is missing. */
  createBucket: boolean;
  embeddedS3Port: number;
  /** How local repls are sandboxed and limited (DRIVER=local). */
  sandbox: LocalSandboxSettings;
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = OrchestratorEnv.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  let s3: S3Settings | null = null;
  if (env.S3_BUCKET !== undefined || env.S3_ENDPOINT !== undefined) {
    const r = parseS3Settings(env);
    if ('problems' in r) problems.push(...r.problems);
    else s3 = r.settings;
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid orchestrator configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (!isLoopback(e.ORCHESTRATOR_HOST) && !e.ORCHESTRATOR_TOKEN && e.AUTH === 'none') {
    throw new ConfigError(
      `ORCHESTRATOR_HOST=${e.ORCHESTRATOR_HOST} is reachable from other machines: set AUTH=oidc (users sign in) or ORCHESTRATOR_TOKEN (the API requires a bearer token)`,
    );
  }
  if (e.AUTH === 'oidc' && (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID)) {
    throw new ConfigError(
      'AUTH=oidc needs OIDC_ISSUER and OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET for a confidential client)',
    );
  }
  const kubernetes = e.DRIVER === 'kubernetes' ? kubernetesConfig(env, s3 !== null) : null;
  const list = (s: string | undefined) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const [claimName, ...claimValue] = (e.ADMIN_CLAIM ?? '').split('=');
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    host: e.ORCHESTRATOR_HOST,
    port: e.ORCHESTRATOR_PORT,
    apiToken: e.ORCHESTRATOR_TOKEN,
    accounts: {
      mode: e.AUTH,
      oidc:
        e.AUTH === 'oidc'
          ? {
              issuer: e.OIDC_ISSUER as string,
              clientId: e.OIDC_CLIENT_ID as string,
              clientSecret: e.OIDC_CLIENT_SECRET,
              redirectUrl: e.OIDC_REDIRECT_URL,
              scopes: e.OIDC_SCOPES,
              adminEmails: list(e.ADMIN_EMAILS).map((m) => m.toLowerCase()),
              adminClaim: claimName ? { name: claimName, value: claimValue.join('=') } : null,
            }
          : null,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      extraHosts: list(e.ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      sessionTtlMs: e.SESSION_TTL,
      sessionIdleMs: e.SESSION_IDLE_TIMEOUT,
      defaultQuota: { maxRepls: e.QUOTA_REPLS, maxRunning: e.QUOTA_RUNNING },
    },
    secretsKey: e.SECRETS_KEY ? Buffer.from(e.SECRETS_KEY, 'base64') : null,
    driver: e.DRIVER,
    kubernetes,
    dataDir,
    runnerHostPattern: e.RUNNER_HOST_PATTERN,
    previewHostPattern: e.PREVIEW_HOST_PATTERN,
    publicScheme: e.PUBLIC_SCHEME,
    allowedOrigins: e.ALLOWED_ORIGINS?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    idleTimeoutMs: e.IDLE_TIMEOUT,
    tokenTtlMs: e.TOKEN_TTL,
    templatesDir: path.resolve(e.TEMPLATES_DIR),
    frontendDir: path.resolve(e.FRONTEND_DIR),
    s3,
    createBucket: e.S3_CREATE_BUCKET === 'true',
    embeddedS3Port: e.S3_PORT,
    sandbox: {
      isolation: e.SANDBOX,
      uidBase: e.SANDBOX_UID_BASE,
      uidCount: e.SANDBOX_UID_COUNT,
      limits: {
        memoryBytes: e.SANDBOX_MEMORY_MB * 1024 * 1024,
        processes: e.SANDBOX_PROCESSES,
        cpuWeight: e.SANDBOX_CPU_WEIGHT,
        openFiles: e.SANDBOX_OPEN_FILES,
      },
    },
    logLevel: e.LOG_LEVEL,
  };
}

/** The namespace a pod runs in, when the orchestrator itself runs in the cluster. */
const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function kubernetesConfig(env: NodeJS.ProcessEnv, hasS3: boolean): KubernetesConfig {
  const parsed = KubernetesEnv.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // Pods cannot reach an embedded store on this process's loopback.
  if (!hasS3) problems.push('DRIVER=kubernetes needs object storage: set S3_BUCKET (and S3_ENDPOINT for MinIO)');
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid orchestrator configuration: ${problems.join('; ')}`);
  }
  const k = parsed.data;
  let namespace = k.KUBE_NAMESPACE;
  if (!namespace && fs.existsSync(IN_CLUSTER_NAMESPACE))
    namespace = fs.readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim();
  return {
    namespace: namespace || 'cubicle',
    runnerImage: k.RUNNER_IMAGE,
    secretName: k.KUBE_SECRET_NAME,
    resources: {
      cpuRequest: k.REPL_CPU_REQUEST,
      cpuLimit: k.REPL_CPU_LIMIT,
      memoryRequest: k.REPL_MEMORY_REQUEST,
      memoryLimit: k.REPL_MEMORY_LIMIT,
      ephemeralRequest: k.REPL_EPHEMERAL_REQUEST,
      ephemeralLimit: k.REPL_EPHEMERAL_LIMIT,
      workspaceSize: k.REPL_WORKSPACE_SIZE,
      cacheSize: k.REPL_CACHE_SIZE,
      volumeStorageClass: k.REPL_VOLUME_STORAGE_CLASS || null,
    },
    runtimeClassName: k.REPL_RUNTIME_CLASS ?? null,
    scheduling: {
      nodeSelector: Object.fromEntries(
        (k.REPL_NODE_SELECTOR ?? '')
          .split(',')
          .filter(Boolean)
          .map((pair) => pair.split('=') as [string, string]),
      ),
      tolerations: (k.REPL_TOLERATIONS ?? []) as V1Toleration[],
      affinity: (k.REPL_AFFINITY ?? null) as V1Affinity | null,
      priorityClassName: k.REPL_PRIORITY_CLASS ?? null,
      imagePullSecrets: (k.REPL_IMAGE_PULL_SECRETS ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    },
    serviceHostPattern: k.REPL_SERVICE_HOST_PATTERN,
  };
}
