import type { RunnerKeySet } from '@cubicle/protocol';
import type {
  V1Affinity,
  V1ConfigMap,
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
  V1Toleration,
  V1Volume,
} from '@kubernetes/client-node';

/** Labels every object of a repl carries; the repl id label is how pods, adoption and policies find it. */
export const REPL_LABEL = 'cubicle.dev/repl';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const RUNNER_PORT = 3001;
export const APP_PORT = 3000;
/** Where the runner image keeps the workspace and its state (both emptyDirs shared with the init container). */
const WORKSPACE = '/workspace';
const STATE = '/state';
/** Package caches (the image sets XDG_CACHE_HOME, npm_config_cache and PIP_CACHE_DIR under it). */
const CACHE = '/cache';
/** HOME and the runner's state: dotfiles and history, small; caches are kept out of it. */
const STATE_SIZE = '1Gi';
/** The runner-token public keys: one ConfigMap per namespace, mounted read-only into every repl pod. */
export const RUNNER_KEYS_CONFIGMAP = 'cubicle-runner-keys';
const RUNNER_KEYS_DIR = '/etc/cubicle/runner-keys';
const RUNNER_KEYS_FILE = 'jwks.json';
/** The storage broker's socket folder, shared by the pod's containers only. */
const BROKER_DIR = '/run/cubicle';
/** The broker's own user: not the runner's (1000), so the repl's processes cannot read its /proc. */
const BROKER_UID = 1001;
const BROKER_RESOURCES = {
  requests: { cpu: '20m', memory: '48Mi', 'ephemeral-storage': '16Mi' },
  limits: { cpu: '500m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
};

export interface ReplPodSettings {
  namespace: string;
  runnerImage: string;
  /** The Secret holding the S3 credentials; values never enter the spec. */
  secretName: string;
  /** Non-secret runner settings (S3_BUCKET, S3_ENDPOINT, ALLOWED_ORIGINS, …). */
  env: Record<string, string>;
  resources: {
    cpuRequest: string;
    cpuLimit: string;
    memoryRequest: string;
    memoryLimit: string;
    ephemeralRequest: string;
    ephemeralLimit: string;
    /** Size of the workspace volume. */
    workspaceSize: string;
    /** Size of the package-cache volume (npm, pip: XDG_CACHE_HOME). */
    cacheSize: string;
    /** Workspace and cache as per-pod volume claims of this class (ENOSPC when full, never an eviction). */
    volumeStorageClass: string | null;
  };
  /** e.g. gVisor's `runsc`; null for the cluster's default runtime. */
  runtimeClassName: string | null;
  /** Where repl pods may run (a node pool for repls, taints they tolerate, their priority). */
  scheduling: {
    nodeSelector: Record<string, string>;
    tolerations: V1Toleration[];
    affinity: V1Affinity | null;
    priorityClassName: string | null;
    imagePullSecrets: string[];
  };
  /** Longer than the runner's flush budget, so SIGTERM can finish uploading. */
  terminationGracePeriodSeconds: number;
  /** The runner's own SHUTDOWN_TIMEOUT, seconds. */
  shutdownTimeoutSeconds: number;
}

export const replObjectName = (replId: string) => `repl-${replId}`;
/** The claim holding a repl's workspace and sync journal (with REPL_VOLUME_STORAGE_CLASS). */
export const replClaimName = (replId: string) => `repl-${replId}-work`;

/**
 * The repl's work claim: its workspace and state. It lives from a start until a stop whose flush
 * succeeded, so a pod that ends without one (a hard eviction, a node lost) leaves it for the next
 * start, whose runner finds the files and the journal of pending uploads and sends them.
 */
export function replWorkClaim(replId: string, s: ReplPodSettings): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: replClaimName(replId), namespace: s.namespace, labels: replLabels(replId) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: s.resources.volumeStorageClass ?? '',
      resources: { requests: { storage: s.resources.workspaceSize } },
    },
  };
}

export function replLabels(replId: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'cubicle-repl',
    'app.kubernetes.io/part-of': 'cubicle',
    'app.kubernetes.io/managed-by': 'cubicle-orchestrator',
    [COMPONENT_LABEL]: 'repl',
    [REPL_LABEL]: replId,
  };
}

const SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: false, // a shell needs a writable /tmp and home; the workspace is an emptyDir anyway
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * The repl's pod (docs/kubernetes.md, "One pod per repl"): init container `runner pull`, container
 * `runner serve`, sharing the workspace and the state directory; hardened per the security model.
 * A bare pod with a fixed name, not a Deployment: the API server then guarantees at most one
 * runner per repl (a second create is 409 while the first pod still terminates), nothing replaces
 * it behind the orchestrator's back, and an eviction ends in the orchestrator's hands.
 */
export function replPod(replId: string, s: ReplPodSettings): V1Pod {
  const name = replObjectName(replId);
  const labels = replLabels(replId);
  const fromSecret = (key: string, optional = false): V1EnvVar => ({
    name: key,
    valueFrom: { secretKeyRef: { name: s.secretName, key, optional } },
  });
  const literal = (vars: Record<string, string>): V1EnvVar[] =>
    Object.entries(vars).map(([name, value]) => ({ name, value }));
  const storage = Object.fromEntries(Object.entries(s.env).filter(([k]) => k.startsWith('S3_')));
  const others = Object.fromEntries(Object.entries(s.env).filter(([k]) => !k.startsWith('S3_')));
  // The runner and `runner pull` (and so the user's shell) hold no storage credential: they reach
  // storage through the broker's socket, which opens this repl's objects only.
  const env: V1EnvVar[] = literal({
    REPL_ID: replId,
    WORKSPACE_DIR: WORKSPACE,
    STATE_DIR: STATE,
    SHUTDOWN_TIMEOUT: String(s.shutdownTimeoutSeconds),
    ...others,
    S3_BUCKET: storage.S3_BUCKET ?? '',
    ...(storage.S3_REGION ? { S3_REGION: storage.S3_REGION } : {}),
    S3_SOCKET: `${BROKER_DIR}/s3.sock`,
  });
  const brokerEnv: V1EnvVar[] = [
    ...literal({ REPL_ID: replId, BROKER_SOCKET: `${BROKER_DIR}/s3.sock`, ...storage }),
    fromSecret('AWS_ACCESS_KEY_ID', true),
    fromSecret('AWS_SECRET_ACCESS_KEY', true),
  ];
  const claimed = s.resources.volumeStorageClass !== null;
  // With a StorageClass the workspace and the state (its sync journal) share the repl's claim,
  // which outlives a pod that dies without a flush: the next start replays the journal.
  const mounts = [
    claimed
      ? { name: 'work', mountPath: WORKSPACE, subPath: 'workspace' }
      : { name: 'workspace', mountPath: WORKSPACE },
    claimed ? { name: 'work', mountPath: STATE, subPath: 'state' } : { name: 'state', mountPath: STATE },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'storage-broker', mountPath: BROKER_DIR },
  ];
  const r = s.resources;
  const resources = {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest, 'ephemeral-storage': r.ephemeralRequest },
    limits: { cpu: r.cpuLimit, memory: r.memoryLimit, 'ephemeral-storage': r.ephemeralLimit },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: s.namespace, labels },
    spec: {
      // A crashed runner restarts in place (same pod, same workspace); a failed pod stays failed.
      restartPolicy: 'Always',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...(s.runtimeClassName ? { runtimeClassName: s.runtimeClassName } : {}),
      ...schedulingOf(s.scheduling),
      terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers: [
        {
          // A native sidecar (restartPolicy Always): up before `pull`, stopped after the runner has
          // flushed. Its own container and uid: no process of the repl can read its memory or env.
          name: 'storage-broker',
          image: s.runnerImage,
          args: ['broker'],
          restartPolicy: 'Always',
          env: brokerEnv,
          volumeMounts: [{ name: 'storage-broker', mountPath: BROKER_DIR }],
          resources: BROKER_RESOURCES,
          securityContext: { ...SECURITY, runAsUser: BROKER_UID, runAsGroup: BROKER_UID },
          startupProbe: {
            exec: { command: ['test', '-S', `${BROKER_DIR}/s3.sock`] },
            periodSeconds: 1,
            failureThreshold: 30,
          },
        },
        {
          name: 'pull',
          image: s.runnerImage,
          args: ['pull', '--allow-empty'],
          env,
          volumeMounts: mounts,
          resources,
          securityContext: SECURITY,
        },
      ],
      containers: [
        {
          name: 'runner',
          image: s.runnerImage,
          args: ['serve'],
          env: [
            ...env,
            { name: 'PORT', value: String(RUNNER_PORT) },
            { name: 'APP_PORT', value: String(APP_PORT) },
            { name: 'RUNNER_KEYS_FILE', value: `${RUNNER_KEYS_DIR}/${RUNNER_KEYS_FILE}` },
          ],
          ports: [
            { name: 'runner', containerPort: RUNNER_PORT },
            { name: 'app', containerPort: APP_PORT },
          ],
          volumeMounts: [
            ...mounts,
            { name: 'cache', mountPath: CACHE },
            { name: 'runner-keys', mountPath: RUNNER_KEYS_DIR, readOnly: true },
          ],
          resources,
          securityContext: SECURITY,
          readinessProbe: { httpGet: { path: '/readyz', port: 'runner' }, periodSeconds: 1, failureThreshold: 3 },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'runner' },
            initialDelaySeconds: 10,
            periodSeconds: 10,
            failureThreshold: 6,
          },
        },
      ],
      volumes: [
        ...(claimed
          ? [{ name: 'work', persistentVolumeClaim: { claimName: replClaimName(replId) } }]
          : [
              { name: 'workspace', emptyDir: { sizeLimit: r.workspaceSize } },
              { name: 'state', emptyDir: { sizeLimit: STATE_SIZE } },
            ]),
        sizedVolume('cache', r.cacheSize, r.volumeStorageClass),
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        { name: 'storage-broker', emptyDir: { sizeLimit: '1Mi' } },
        // Public keys only; the kubelet refreshes the files when the orchestrator rotates them.
        { name: 'runner-keys', configMap: { name: RUNNER_KEYS_CONFIGMAP } },
      ],
    },
  };
}

/**
 * An emptyDir over its sizeLimit gets the whole pod evicted, with little grace for a flush; a
 * per-pod claim (a generic ephemeral volume) just fills up: the command that filled it gets
 * ENOSPC and the repl lives on. The claim goes with the pod.
 */
function sizedVolume(name: string, size: string, storageClass: string | null): V1Volume {
  if (!storageClass) return { name, emptyDir: { sizeLimit: size } };
  return {
    name,
    ephemeral: {
      volumeClaimTemplate: {
        metadata: { labels: { 'app.kubernetes.io/part-of': 'cubicle' } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: storageClass,
          resources: { requests: { storage: size } },
        },
      },
    },
  };
}

function schedulingOf(p: ReplPodSettings['scheduling']): Partial<NonNullable<V1Pod['spec']>> {
  return {
    ...(Object.keys(p.nodeSelector).length ? { nodeSelector: p.nodeSelector } : {}),
    ...(p.tolerations.length ? { tolerations: p.tolerations } : {}),
    ...(p.affinity ? { affinity: p.affinity } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    ...(p.imagePullSecrets.length ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
}

/** The ConfigMap runners read token public keys from (the private halves stay in the orchestrator). */
export function runnerKeysConfigMap(namespace: string, set: RunnerKeySet): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: RUNNER_KEYS_CONFIGMAP,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'cubicle', 'app.kubernetes.io/managed-by': 'cubicle-orchestrator' },
    },
    data: { [RUNNER_KEYS_FILE]: JSON.stringify(set) },
  };
}

/** The repl's Service, owned by its pod (the pod's end removes it; a Service of an older pod is never reused). */
export function replService(replId: string, namespace: string, owner: { name: string; uid: string }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: replObjectName(replId),
      namespace,
      labels: replLabels(replId),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      selector: { [REPL_LABEL]: replId, [COMPONENT_LABEL]: 'repl' },
      ports: [
        { name: 'runner', port: RUNNER_PORT, targetPort: 'runner' },
        { name: 'app', port: APP_PORT, targetPort: 'app' },
      ],
    },
  };
}
