import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, configError, type SettingGroup, settingProblems } from '@cubicle/protocol';
import { parseS3Settings, type S3Settings } from '@cubicle/storage';
import type { V1Affinity, V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ReplPodSettings } from './drivers/kubernetes/repl-objects.js';
import type { LocalSandboxSettings } from './drivers/local/local-driver.js';
import { DEFAULT_UID_BASE } from './drivers/local/uid-range-choice.js';
import { DEFAULT_UID_REGISTRY } from './drivers/local/uid-range-registry.js';

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
  ORCHESTRATOR_HOST: z
    .string()
    .default('127.0.0.1')
    .describe(
      'Address the API, the IDE and the gateway listen on; anything but loopback needs AUTH=oidc or ORCHESTRATOR_TOKEN.',
    ),
  ORCHESTRATOR_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8080)
    .describe('Port of the API, the IDE and the gateway.'),
  ORCHESTRATOR_TOKEN: z
    .string()
    .min(16, 'ORCHESTRATOR_TOKEN must be at least 16 characters')
    .optional()
    .describe(
      'A bootstrap admin bearer token for scripts (at least 16 characters); with AUTH=none it is required off loopback.',
    ),
  DRIVER: z
    .enum(['local', 'kubernetes'])
    .default('local')
    .describe('Where repls run: `local` (a sandboxed process on this machine) or `kubernetes` (a pod per repl).'),
  SECRETS_KEY: z
    .string()
    .optional()
    .refine((k) => k === undefined || Buffer.from(k, 'base64').length === 32, 'SECRETS_KEY must be 32 bytes, base64')
    .describe("The key sealing repls' secrets at rest (32 bytes, base64); default: a key file in DATA_DIR."),
  DATA_DIR: z
    .string()
    .default(path.join(REPO_ROOT, '.data'))
    .describe("The SQLite database, local sandboxes, the embedded S3 server's data and its secret."),
  RUNNER_HOST_PATTERN: hostPattern.describe(
    "Public host of a repl's runner, `{id}` for the repl id (default `{id}-ws.localhost:<port>`); without a port it matches any.",
  ),
  PREVIEW_HOST_PATTERN: hostPattern.describe(
    "Public host of a repl's preview (default `{id}.localhost:<port>`); `<port>-` in front is a port's own preview.",
  ),
  PUBLIC_SCHEME: z
    .enum(['http', 'https'])
    .default('http')
    .describe('Scheme of the runner and preview URLs handed out.'),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .describe(
      'Origins of the IDE, comma-separated: runners accept sockets from them, the API accepts changes from them (default: PUBLIC_URL and this server on localhost).',
    ),
  AUTH: z
    .enum(['none', 'oidc'])
    .default('none')
    .describe('`none`: one local user, no sign-in (loopback only); `oidc`: people sign in with OpenID Connect.'),
  PUBLIC_URL: z
    .url()
    .optional()
    .describe(
      "The IDE's public address (default `http://localhost:<port>`): sign-in redirects, the Host and Origin the API accepts.",
    ),
  ALLOWED_HOSTS: z
    .string()
    .optional()
    .describe('More Host names the API answers, comma-separated (DNS-rebinding protection refuses any other).'),
  OIDC_ISSUER: z
    .url()
    .optional()
    .describe(
      "The OpenID provider's issuer URL (discovery at /.well-known/openid-configuration); required with AUTH=oidc.",
    ),
  OIDC_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe("Cubicle's client id at the provider; required with AUTH=oidc."),
  OIDC_CLIENT_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe("Cubicle's client secret at the provider (omit for a public client)."),
  OIDC_REDIRECT_URL: z
    .url()
    .optional()
    .describe('The callback registered with the provider (default PUBLIC_URL/auth/callback).'),
  OIDC_SCOPES: z.string().default('openid email profile').describe('Scopes asked for at sign-in.'),
  ADMIN_EMAILS: z.string().optional().describe('Admins by verified email, comma-separated.'),
  ADMIN_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]+=.+$/, 'ADMIN_CLAIM is claim=value, e.g. groups=cubicle-admins')
    .optional()
    .describe('Admins by an ID-token claim, `claim=value` (e.g. `groups=cubicle-admins`).'),
  SESSION_TTL: duration('7d').describe('A sign-in session ends this long after it began (`90s`, `30m`, `12h`, `7d`).'),
  SESSION_IDLE_TIMEOUT: duration('24h').describe('…or after this long without a request.'),
  QUOTA_REPLS: z.coerce
    .number()
    .int()
    .min(0)
    .default(50)
    .describe('Most repls a user who is not an admin may have (an admin can override it per user).'),
  QUOTA_RUNNING: z.coerce.number().int().min(0).default(5).describe('Most repls such a user may run at once.'),
  IDLE_TIMEOUT: duration('30m').describe(
    'A running repl with no input, file change or preview request for this long is saved and stopped.',
  ),
  TOKEN_TTL: duration('12h').describe('Lifetime of the runner tokens the API issues.'),
  TEMPLATES_DIR: z
    .string()
    .default(path.join(REPO_ROOT, 'templates'))
    .describe('The starter templates, published to object storage at start.'),
  FRONTEND_DIR: z
    .string()
    .default(path.join(REPO_ROOT, 'frontend', 'dist'))
    .describe('The built IDE the orchestrator serves.'),
  S3_CREATE_BUCKET: z
    .enum(['true', 'false'])
    .default('false')
    .describe('Make S3_BUCKET at start when it does not exist (an in-cluster MinIO starts with none).'),
  S3_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(9000)
    .describe('Port of the embedded S3 server when no S3_BUCKET is set (stable, so adopted runners reconnect).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  SANDBOX: z
    .enum(['auto', 'bwrap', 'none'])
    .default('auto')
    .describe(
      'Local repls: `auto` sandboxes them with bubblewrap where it works, `bwrap` insists, `none` opts out (docs/security.md).',
    ),
  SANDBOX_UID_BASE: z.coerce
    .number()
    .int()
    .min(1000)
    .max(2 ** 31 - 70000)
    .optional()
    .describe(
      `As root, each local repl runs as its own user id, from a range of SANDBOX_UID_COUNT ids this installation claims in SANDBOX_UID_REGISTRY: unset, the lowest free one from ${DEFAULT_UID_BASE} (kept at every start); set, exactly this base, and the orchestrator refuses to start when another installation or a user of the machine has an id in it.`,
    ),
  SANDBOX_UID_COUNT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65_536)
    .default(10_000)
    .describe("How many user ids this installation's local repls may use."),
  SANDBOX_UID_REGISTRY: z
    .string()
    .min(1)
    .default(DEFAULT_UID_REGISTRY)
    .describe(
      "The machine's record of which installation (DATA_DIR) has which user id range, so that no two share a repl's user; outside every DATA_DIR, in a folder only root writes.",
    ),
  SANDBOX_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(0)
    .default(2048)
    .describe('Memory limit of a local repl (cgroup), 0 for none.'),
  SANDBOX_PROCESSES: z.coerce
    .number()
    .int()
    .min(16)
    .default(512)
    .describe('Most processes a local repl may have (cgroup and rlimit).'),
  SANDBOX_CPU_WEIGHT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(100)
    .describe('CPU share of a local repl relative to others (cgroup).'),
  SANDBOX_OPEN_FILES: z.coerce
    .number()
    .int()
    .min(64)
    .default(4096)
    .describe('Open files per process in a local repl (rlimit).'),
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
    .optional()
    .describe("Namespace of repl pods (default: the orchestrator's own, in a pod; else `cubicle`)."),
  RUNNER_IMAGE: z
    .string({ error: 'required with DRIVER=kubernetes' })
    .min(1, 'required with DRIVER=kubernetes')
    .describe("The runner image (the Dockerfile's `runner` target); required with DRIVER=kubernetes."),
  KUBE_SECRET_NAME: z
    .string()
    .default('cubicle-secrets')
    .describe("The Secret holding the storage keys for repl pods' storage broker."),
  REPL_CPU_REQUEST: z.string().default('100m').describe('CPU request of a repl container.'),
  REPL_CPU_LIMIT: z.string().default('1').describe('CPU limit of a repl container.'),
  REPL_MEMORY_REQUEST: z.string().default('256Mi').describe('Memory request of a repl container.'),
  REPL_MEMORY_LIMIT: z.string().default('1Gi').describe('Memory limit of a repl container.'),
  REPL_EPHEMERAL_REQUEST: z.string().default('1Gi').describe('Ephemeral-storage request of a repl container.'),
  REPL_EPHEMERAL_LIMIT: z
    .string()
    .default('10Gi')
    .describe('Ephemeral-storage limit of a repl container (above the sum of its emptyDirs).'),
  REPL_WORKSPACE_SIZE: z.string().default('4Gi').describe('Size of the workspace volume.'),
  REPL_CACHE_SIZE: z.string().default('4Gi').describe('Size of the package-cache volume (npm, pip).'),
  REPL_VOLUME_STORAGE_CLASS: z
    .string()
    .optional()
    .describe(
      'A StorageClass: the workspace and journal become a claim that outlives a pod ending unflushed, the cache a per-pod claim (ENOSPC, not eviction); empty for emptyDirs.',
    ),
  REPL_RUNTIME_CLASS: z.string().optional().describe('A RuntimeClass for repl pods (e.g. `gvisor`).'),
  REPL_NODE_SELECTOR: z
    .string()
    .regex(/^([A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$/, 'key=value,key=value')
    .optional()
    .describe('Node labels repl pods must run on, `key=value,…`.'),
  REPL_TOLERATIONS: jsonOf(z.array(z.record(z.string(), z.unknown())), 'a JSON array of tolerations').describe(
    'Tolerations of repl pods, a JSON array as in a pod spec.',
  ),
  REPL_AFFINITY: jsonOf(z.record(z.string(), z.unknown()), 'a JSON object (the pod spec affinity)').describe(
    'Affinity of repl pods, a JSON object as in a pod spec.',
  ),
  REPL_PRIORITY_CLASS: z.string().optional().describe('A PriorityClass for repl pods.'),
  REPL_IMAGE_PULL_SECRETS: z
    .string()
    .optional()
    .describe('Secrets for pulling RUNNER_IMAGE from a private registry, comma-separated.'),
  REPL_SERVICE_HOST_PATTERN: z
    .string()
    .default('repl-{id}.{namespace}.svc')
    .describe("How the orchestrator reaches a repl's Service: DNS, or `{clusterIP}` to skip cluster DNS."),
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

export { ConfigError };

/** A host name only this machine reaches (`[::1]` as a URL's hostname writes it). */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const parsed = OrchestratorEnv.safeParse(env);
  const problems = parsed.success ? [] : settingProblems(parsed.error);
  let s3: S3Settings | null = null;
  if (env.S3_BUCKET !== undefined || env.S3_ENDPOINT !== undefined) {
    const r = parseS3Settings(env);
    if ('problems' in r) problems.push(...r.problems);
    else s3 = r.settings;
  }
  if (!parsed.success || problems.length > 0) throw configError('orchestrator', problems);
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
      uidBase: e.SANDBOX_UID_BASE ?? null,
      uidCount: e.SANDBOX_UID_COUNT,
      uidRegistry: path.resolve(e.SANDBOX_UID_REGISTRY),
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
  const problems = parsed.success ? [] : settingProblems(parsed.error);
  // Pods cannot reach an embedded store on this process's loopback.
  if (!hasS3) problems.push('DRIVER=kubernetes needs object storage: set S3_BUCKET (and S3_ENDPOINT for MinIO)');
  if (!parsed.success || problems.length > 0) throw configError('orchestrator', problems);
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

/** Every setting of the orchestrator, for docs/configuration.md and `orchestrator --help`. */
export const ORCHESTRATOR_SETTINGS: SettingGroup[] = [
  {
    title: 'Orchestrator',
    intro:
      'The REST API, the IDE, the gateway and the driver (`orchestrator serve`, what `pnpm start` runs). Durations are `500ms`, `90s`, `30m`, `12h`, `7d` or seconds.',
    schema: OrchestratorEnv,
  },
  {
    title: 'Orchestrator with `DRIVER=kubernetes`',
    intro:
      'Where and how repl pods run (docs/kubernetes.md). It also needs S3_BUCKET: pods cannot reach an embedded store.',
    schema: KubernetesEnv,
  },
];
