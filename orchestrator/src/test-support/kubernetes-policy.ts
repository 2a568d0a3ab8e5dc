import * as models from 'kubernetes-models';

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string }; [k: string]: unknown };
type ModelClass = new (data: unknown) => { validate(): void };

/** `apps/v1` → models.apps.v1; `networking.k8s.io/v1` → models.networkingK8sIo.v1; `v1` → models.v1. */
function modelFor(apiVersion: string, kind: string): ModelClass | null {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const key = group ? (group ?? '').replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()) : '';
  const root = models as unknown as Record<string, Record<string, Record<string, ModelClass>>>;
  const ns = key ? root[key]?.[version ?? ''] : (root.v1 as unknown as Record<string, ModelClass>);
  return (ns as Record<string, ModelClass> | undefined)?.[kind] ?? null;
}

/**
 * Validates an object against the official Kubernetes OpenAPI schemas (kubernetes-models), and
 * what they do not check: names are DNS-1123 labels/subdomains. Returns the problems found.
 */
export function schemaProblems(obj: Obj): string[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  if (!obj.apiVersion || !obj.kind) return [`${where}: apiVersion and kind are required`];
  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [`${where}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message.slice(0, 500)}`);
  }
  const name = obj.metadata?.name ?? '';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 253) {
    problems.push(`${where}: name is not a DNS-1123 subdomain`);
  }
  if (['Service', 'Namespace', 'Deployment'].includes(obj.kind) && name.length > 63) {
    problems.push(`${where}: name longer than a DNS label (63)`);
  }
  return problems;
}

interface Container {
  name: string;
  volumeMounts?: { name: string }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
  };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string }[];
}

const SECRETISH = /SECRET|PASSWORD|TOKEN|ACCESS_KEY|PRIVATE/i;

/**
 * Our own rules for any pod Cubicle runs (docs/security.md): no service-account
 * token, no service links, non-root, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp, CPU/memory/ephemeral-storage requests and limits, and no literal secret.
 */
export function podPolicyProblems(
  where: string,
  pod: PodSpec,
  opts: { requireEphemeral?: boolean; needsApiToken?: boolean } = {},
): string[] {
  const p: string[] = [];
  // Only the orchestrator talks to the Kubernetes API (its Role); every other pod gets no token.
  if (!opts.needsApiToken && pod.automountServiceAccountToken !== false) {
    p.push(`${where}: automountServiceAccountToken must be false`);
  }
  if (pod.enableServiceLinks !== false) p.push(`${where}: enableServiceLinks must be false`);
  // The schemas accept a mount of a volume the pod does not have; the kubelet would not start it.
  const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) p.push(`${where}: ${c.name} mounts a volume "${m.name}" the pod does not have`);
    }
  }
  if (pod.securityContext?.runAsNonRoot !== true) p.push(`${where}: pod runAsNonRoot must be true`);
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
    p.push(`${where}: pod seccomp must be RuntimeDefault`);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const at = `${where}/${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) p.push(`${at}: allowPrivilegeEscalation must be false`);
    if (sc.runAsNonRoot !== true) p.push(`${at}: runAsNonRoot must be true`);
    if (!sc.capabilities?.drop?.includes('ALL')) p.push(`${at}: capabilities must drop ALL`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault') p.push(`${at}: seccomp must be RuntimeDefault`);
    const needed = ['cpu', 'memory', ...(opts.requireEphemeral === false ? [] : ['ephemeral-storage'])];
    for (const r of needed) {
      if (!c.resources?.requests?.[r]) p.push(`${at}: no ${r} request`);
      if (!c.resources?.limits?.[r]) p.push(`${at}: no ${r} limit`);
    }
    for (const e of c.env ?? []) {
      if (SECRETISH.test(e.name) && e.value !== undefined)
        p.push(`${at}: ${e.name} is a literal value, not from a Secret`);
    }
  }
  return p;
}
