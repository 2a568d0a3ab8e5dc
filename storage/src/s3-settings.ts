import { z } from 'zod';

/** Object storage settings from the environment (docs/architecture.md, "Configuration"). */
export interface S3Settings {
  /** Empty for AWS itself; a URL for any other S3-compatible server (the embedded one included). */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  /** Static credentials; when absent the SDK's default chain applies (IRSA, instance roles…). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
  /**
   * A Unix socket every request goes through instead of the endpoint's host and port: how a
   * sandboxed runner reaches its repl's storage broker (docs/security.md). The endpoint URL still
   * names the host that requests are signed for.
   */
  socketPath?: string;
}

const bool = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

/** The object storage settings, shared by the orchestrator, the runner and the broker. */
export const S3Env = z.object({
  S3_ENDPOINT: z
    .url({ message: 'S3_ENDPOINT must be a URL such as http://127.0.0.1:9000' })
    .optional()
    .describe("An S3-compatible server's URL (MinIO, the embedded one); empty for AWS S3 itself."),
  S3_REGION: z.string().min(1).default('us-east-1').describe("The bucket's region."),
  S3_BUCKET: z
    .string({ message: 'S3_BUCKET is required' })
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'S3_BUCKET must be a valid bucket name (3-63 characters)')
    .describe(
      'The bucket holding templates, workspaces and run history; without it the orchestrator starts an embedded S3 server.',
    ),
  AWS_ACCESS_KEY_ID: z
    .string()
    .min(1)
    .optional()
    .describe("Static storage credentials; without them the SDK's default chain applies (IRSA, instance roles)."),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('The secret of AWS_ACCESS_KEY_ID.'),
  S3_FORCE_PATH_STYLE: bool.describe(
    'Path-style URLs (`true` for MinIO and most S3-compatible servers; default: true with S3_ENDPOINT).',
  ),
  S3_SOCKET: z
    .string()
    .startsWith('/', 'S3_SOCKET must be an absolute path')
    .optional()
    .describe("A Unix socket every storage request goes through (a sandboxed runner's storage broker)."),
});

/** The storage settings as a group of docs/configuration.md and the CLIs' `--help`. */
export const S3_SETTINGS = {
  title: 'Object storage (orchestrator, runner, broker)',
  intro: 'S3 or any S3-compatible server (MinIO). The runner inside a sandbox reaches it only through the broker.',
  schema: S3Env,
};

/** Parses the S3 variables; returns the problems as sentences instead of throwing. */
export function parseS3Settings(env: NodeJS.ProcessEnv): { settings: S3Settings } | { problems: string[] } {
  const parsed = S3Env.safeParse(env);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`) };
  }
  const e = parsed.data;
  if (Boolean(e.AWS_ACCESS_KEY_ID) !== Boolean(e.AWS_SECRET_ACCESS_KEY)) {
    return { problems: ['AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together'] };
  }
  return {
    settings: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      credentials:
        e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
          : undefined,
      // Custom endpoints (MinIO, the embedded server) rarely resolve bucket subdomains.
      forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
      ...(e.S3_SOCKET ? { socketPath: e.S3_SOCKET } : {}),
    },
  };
}

/** The environment a child process needs to reach the same store. */
export function s3SettingsToEnv(s: S3Settings): Record<string, string> {
  const env: Record<string, string> = {
    S3_REGION: s.region,
    S3_BUCKET: s.bucket,
    S3_FORCE_PATH_STYLE: String(s.forcePathStyle),
  };
  if (s.endpoint) env.S3_ENDPOINT = s.endpoint;
  if (s.socketPath) env.S3_SOCKET = s.socketPath;
  if (s.credentials) {
    env.AWS_ACCESS_KEY_ID = s.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = s.credentials.secretAccessKey;
  }
  return env;
}
