import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedS3, ObjectStore, type S3Settings, StorageError, s3SettingsToEnv } from '@cubicle/storage';
import { KubeConfig } from '@kubernetes/client-node';
import { AccountService } from './accounts/account-service.js';
import { createApiApp } from './api/api-app.js';
import { apiRoutes } from './api/api-routes.js';
import { hostsOf } from './auth/browser-guard.js';
import { OidcClient } from './auth/oidc-client.js';
import { RequestAuth } from './auth/request-auth.js';
import { RunnerKeys } from './auth/runner-keys.js';
import { SecretBox } from './auth/secret-box.js';
import { signInRoutes } from './auth/sign-in-routes.js';
import { SigningKeys } from './auth/signing-keys.js';
import type { KubernetesConfig, OrchestratorConfig } from './config.js';
import { KubernetesDriver } from './drivers/kubernetes/kubernetes-driver.js';
import { LeaseLeadership } from './drivers/kubernetes/lease-leadership.js';
import { LocalDriver } from './drivers/local/local-driver.js';
import { runnerClient } from './drivers/runner-client.js';
import type { SandboxDriver } from './drivers/sandbox-driver.js';
import { Gateway } from './gateway/gateway.js';
import { HostPatterns } from './gateway/host-patterns.js';
import { PreviewAccess } from './gateway/preview-access.js';
import { PreviewActivity } from './gateway/preview-activity.js';
import { OrchestratorMetrics } from './http/orchestrator-metrics.js';
import type { Logger } from './log.js';
import { IdleReaper } from './repls/idle-reaper.js';
import { type Leadership, SoleLeader } from './repls/leadership.js';
import { ReplService } from './repls/repl-service.js';
import { ReusedTokens } from './repls/reused-tokens.js';
import { RunnerTokens } from './repls/runner-tokens.js';
import { AccessTokenStore } from './state/access-token-store.js';
import { AuditLog } from './state/audit-log.js';
import { embeddedStoreSecret, ensurePrivateDir, prepareDataDir } from './state/data-dir.js';
import { openDatabase } from './state/database.js';
import { EnvironmentStore } from './state/environment-store.js';
import { ReplStore } from './state/repl-store.js';
import { SessionStore } from './state/session-store.js';
import { UserStore } from './state/user-store.js';
import { TemplateCatalog } from './templates/template-catalog.js';
import { publishTemplates } from './templates/template-publisher.js';
import {
  APP_PAGE_LINES,
  RUNNER_SHUTDOWN_TIMEOUT_S,
  SESSION_PRUNE_INTERVAL_MS,
  STORAGE_WAIT_MAX_MS,
  STORAGE_WAIT_MIN_MS,
  TUNNEL_TOKEN_TTL_MS,
} from './tuning.js';

const VERSION = (
  JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export interface RunningOrchestrator {
  /** http://host:port of the API, the IDE and (by Host header) the gateway. */
  readonly url: string;
  readonly port: number;
  readonly hosts: HostPatterns;
  /** `stopSandboxes`: flush and stop every repl first (Ctrl-C); false leaves them for the next orchestrator. */
  close(opts: { stopSandboxes: boolean }): Promise<void>;
}

/**
 * Wires the orchestrator together: object storage (the embedded server when none is
 * configured), templates, the database, the driver, the API, the gateway and the idle reaper,
 * all on one port; then reconciles with the sandboxes that already run.
 */
export async function startOrchestrator(config: OrchestratorConfig, log: Logger): Promise<RunningOrchestrator> {
  let state: 'starting' | 'ok' | 'stopping' = 'starting';
  // Until everything is up: alive (liveness must not restart a process that waits for storage), not ready.
  let handle: http.RequestListener = (req, res) => {
    const alive = req.url === '/healthz';
    res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' }).end('{"status":"starting"}');
  };
  let upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void = (_r, s) => s.destroy();
  const server = http.createServer((req, res) => handle(req, res));
  server.on('upgrade', (req, socket, head) => upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  prepareDataDir(config.dataDir);
  if (!config.s3) ensurePrivateDir(path.join(config.dataDir, 's3'));
  const embedded = config.s3
    ? null
    : await EmbeddedS3.start({
        directory: path.join(config.dataDir, 's3'),
        port: config.embeddedS3Port,
        secretAccessKey: embeddedStoreSecret(config.dataDir),
        buckets: ['cubicle'],
        supervise: (e) => {
          if (e.type === 'crashed')
            log.error({ code: e.code, signal: e.signal, stderr: e.stderr }, 'embedded S3 crashed');
          else if (e.type === 'restarted') log.warn({ attempt: e.attempt }, 'embedded S3 restarted');
          else log.error({ attempt: e.attempt, err: e.error }, 'embedded S3 did not restart; trying again');
        },
      });
  const s3: S3Settings = config.s3 ?? (embedded as EmbeddedS3).settings('cubicle');
  const objects = new ObjectStore(s3);
  await waitForStorage(objects, config.createBucket, log);

  const catalog = TemplateCatalog.load(config.templatesDir);
  await publishTemplates(catalog, objects, log);

  const db = openDatabase(config.dataDir);
  const store = new ReplStore(db);
  const audit = new AuditLog(db);
  const env = new EnvironmentStore(
    db,
    config.secretsKey ? SecretBox.fromKey(config.secretsKey) : SecretBox.inDataDir(config.dataDir),
  );
  const hosts = new HostPatterns(
    config.publicScheme,
    config.runnerHostPattern ?? `{id}-ws.localhost:${port}`,
    config.previewHostPattern ?? `{id}.localhost:${port}`,
  );
  const signingKeys = new SigningKeys(db, config.tokenTtlMs);
  const tokens = new RunnerTokens(signingKeys, config.tokenTtlMs);
  const publicUrl = config.accounts.publicUrl ?? `http://localhost:${port}`;
  const allowedOrigins = config.allowedOrigins ?? [
    ...new Set([new URL(publicUrl).origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`]),
  ];
  const mintToken = async (replId: string) => (await tokens.issue(replId, 'orchestrator', 120_000)).token;
  const kubeConfig = config.kubernetes ? loadKubeConfig() : null;
  const leadership: Leadership =
    config.kubernetes && kubeConfig
      ? new LeaseLeadership({
          kubeConfig,
          namespace: config.kubernetes.namespace,
          name: LEADER_LEASE_NAME,
          identity: `${os.hostname()}-${randomBytes(4).toString('hex')}`,
          log: log.child({ component: 'leader' }),
        })
      : new SoleLeader();
  const driver: SandboxDriver =
    config.kubernetes && kubeConfig
      ? kubernetesDriver(
          kubeConfig,
          config.kubernetes,
          s3,
          allowedOrigins,
          mintToken,
          (id, line) => service.reportProgress(id, line),
          log,
        )
      : new LocalDriver({
          dataDir: config.dataDir,
          s3,
          allowedOrigins,
          sandbox: config.sandbox,
          mintToken,
          log,
        });
  const runnerKeys = new RunnerKeys(signingKeys, driver, audit);
  await runnerKeys.init(); // before any runner is started or adopted
  const metrics = new OrchestratorMetrics(() => store.countByState());
  const users = new UserStore(db);
  const sessions = new SessionStore(db, {
    absoluteMs: config.accounts.sessionTtlMs,
    idleMs: config.accounts.sessionIdleMs,
  });
  const accessTokens = new AccessTokenStore(db);
  const auth = new RequestAuth({
    mode: config.accounts.mode,
    bootstrapToken: config.apiToken,
    users,
    sessions,
    accessTokens,
  });
  const accounts = new AccountService({
    mode: config.accounts.mode,
    users,
    accessTokens,
    audit,
    defaultQuota: config.accounts.defaultQuota,
  });
  const service = new ReplService({
    store,
    audit,
    driver,
    objects,
    catalog,
    hosts,
    tokens,
    env,
    metrics,
    quotaOf: (userId) => accounts.quotaOf(userId),
    log,
  });
  const previewAccess = new PreviewAccess({
    mode: config.accounts.mode,
    db,
    sessions,
    users,
    repl: (id) => store.get(id),
    allows: (id, user) => service.allows(id, user),
    hosts,
    publicUrl: () => publicUrl,
    audit,
  });
  const pruneSessions = setInterval(() => {
    sessions.prune();
    previewAccess.prune();
  }, SESSION_PRUNE_INTERVAL_MS).unref();
  const previews = new PreviewActivity();
  // The gateway's tunnels into repls (per-port previews) reuse a token while it has a while to live.
  const tunnelTokens = new ReusedTokens((id) => tokens.issue(id, 'gateway', TUNNEL_TOKEN_TTL_MS));
  const gateway = new Gateway({
    hosts,
    previews,
    access: previewAccess,
    metrics,
    log,
    appStatus: async (id) => {
      const targets = driver.targets(id);
      if (!targets) return null;
      const { token } = await tokens.issue(id, 'gateway', 60_000);
      return runnerClient.app(targets.runner, token, APP_PAGE_LINES);
    },
    tunnelToken: (id) => tunnelTokens.get(id),
    route: (id) => {
      const row = store.get(id);
      return row ? { state: row.state, targets: driver.targets(id) } : { state: 'unknown', targets: null };
    },
  });
  const app = createApiApp({
    routes: apiRoutes({ repls: service, accounts, previews: previewAccess, audit, catalog, runnerKeys }),
    auth,
    browser: {
      hosts: new Set([...allowedOrigins.flatMap(hostsOf), ...hostsOf(publicUrl), ...config.accounts.extraHosts]),
      origins: new Set(allowedOrigins),
    },
    signIn: signInRoutes({
      oidc: config.accounts.oidc
        ? new OidcClient(config.accounts.oidc, config.accounts.oidc.redirectUrl ?? `${publicUrl}/auth/callback`)
        : null,
      auth,
      users,
      sessions,
      repls: service,
      previews: previewAccess,
      hosts,
      audit,
      secure: publicUrl.startsWith('https:'),
      log,
    }),
    metrics,
    health: () =>
      state === 'ok' && embedded && !embedded.running
        ? { status: 'degraded', reason: 'storage is restarting' }
        : { status: state },
    frontendDir: config.frontendDir,
    version: VERSION,
    log,
  });
  handle = (req, res) => {
    if (!gateway.handleRequest(req, res)) app(req, res);
  };
  upgrade = (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  };

  await leadership.start();
  await service.reconcile(leadership.isLeader());
  leadership.onChange((leader) => {
    if (leader)
      void service.reconcile(true).catch((err: Error) => log.error({ err }, 'reconcile as the new leader failed'));
  });
  const reaper = new IdleReaper({
    idleTimeoutMs: config.idleTimeoutMs,
    repls: service,
    driver,
    previews,
    leadership,
    metrics,
    log,
  });
  reaper.start();
  state = 'ok';
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, driver: config.driver, s3: s3.endpoint ?? 'aws', dataDir: config.dataDir }, 'listening');

  return {
    url,
    port,
    hosts,
    async close({ stopSandboxes }) {
      state = 'stopping';
      reaper.stop();
      await leadership.close();
      clearInterval(pruneSessions);
      if (stopSandboxes) await service.stopAll();
      await driver.close();
      gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
      objects.destroy();
      await embedded?.stop();
    },
  };
}

/** DRIVER=kubernetes: the cluster from KUBECONFIG or, inside a pod, its service account. */
/**
 * Object storage that is not there yet (MinIO still starting, a bucket being made, a network
 * policy being applied) is waited for, with backoff and a log line each time, instead of
 * crash-looping; `/readyz` says "starting" meanwhile.
 */
async function waitForStorage(objects: ObjectStore, createBucket: boolean, log: Logger): Promise<void> {
  for (let waitMs = STORAGE_WAIT_MIN_MS; ; waitMs = Math.min(waitMs * 2, STORAGE_WAIT_MAX_MS)) {
    try {
      await objects.checkBucket();
      return;
    } catch (err) {
      if (createBucket && err instanceof StorageError && err.kind === 'no-bucket') {
        await objects.createBucket().then(
          () => log.info({ bucket: objects.bucket }, 'created the bucket (S3_CREATE_BUCKET)'),
          (e: Error) => log.warn({ err: e.message }, 'could not create the bucket'),
        );
        continue;
      }
      log.warn({ err: (err as Error).message, retryInMs: waitMs }, 'waiting for object storage');
      await sleep(waitMs);
    }
  }
}

function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

/** The Lease that picks the one orchestrator running the reconcile and the idle reaper. */
const LEADER_LEASE_NAME = 'cubicle-orchestrator-leader';

function kubernetesDriver(
  kubeConfig: KubeConfig,
  k: KubernetesConfig,
  s3: S3Settings,
  allowedOrigins: string[],
  mintToken: (replId: string) => Promise<string>,
  onProgress: (replId: string, line: string) => void,
  log: Logger,
): KubernetesDriver {
  // Credentials reach pods from the Secret, never as literal values in the spec.
  const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _key, ...storage } = s3SettingsToEnv(s3);
  return new KubernetesDriver({
    kubeConfig,
    pod: {
      namespace: k.namespace,
      runnerImage: k.runnerImage,
      secretName: k.secretName,
      env: { ...storage, ALLOWED_ORIGINS: allowedOrigins.join(',') },
      resources: k.resources,
      runtimeClassName: k.runtimeClassName,
      scheduling: k.scheduling,
      terminationGracePeriodSeconds: RUNNER_SHUTDOWN_TIMEOUT_S + 15,
      shutdownTimeoutSeconds: RUNNER_SHUTDOWN_TIMEOUT_S,
    },
    serviceHostPattern: k.serviceHostPattern,
    mintToken,
    onProgress,
    log: log.child({ component: 'kubernetes-driver' }),
  });
}
