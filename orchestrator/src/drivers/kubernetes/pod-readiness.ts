import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/**
 * What a repl pod's status says about its start: ready; waiting (with what is happening, in
 * words for the boot screen); or failed (with why, and which container's logs tell more).
 */
export type PodVerdict =
  | { kind: 'waiting'; progress: string }
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string; container: string | null };

/** Waiting reasons that never resolve on their own: a start fails at once with them. */
const FATAL_WAITING = new Set([
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);
/** The kubelet retries these itself (a registry hiccup, a slow mirror): wait, up to the start timeout. */
const PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff']);

function containerVerdict(s: V1ContainerStatus, init: boolean): PodVerdict | null {
  const waiting = s.state?.waiting;
  const detail = waiting?.message ? ` (${waiting.message})` : '';
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const what = waiting.reason === 'CrashLoopBackOff' ? 'keeps crashing' : waiting.reason;
    return { kind: 'failed', reason: `${s.name}: ${what}${detail}`, container: s.name };
  }
  if (waiting?.reason && PULL_WAITING.has(waiting.reason)) {
    return { kind: 'waiting', progress: `pulling the image, the kubelet retries: ${waiting.reason}${detail}` };
  }
  const terminated = s.state?.terminated ?? (init ? undefined : s.lastState?.terminated);
  if (terminated && terminated.exitCode !== 0) {
    const how = init ? 'init container failed' : 'crashed';
    return {
      kind: 'failed',
      reason: `${s.name} ${how} with exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`,
      container: s.name,
    };
  }
  return null;
}

/** Reads one pod status (from the pod cache) into a verdict for the driver's start and exit monitor. */
export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status;
  if (!status) return { kind: 'waiting', progress: 'waiting for the scheduler' };
  if (status.phase === 'Failed') {
    const evicted = status.reason === 'Evicted';
    const why = status.message ?? status.reason ?? 'unknown';
    return { kind: 'failed', reason: evicted ? `the pod was evicted: ${why}` : `pod failed: ${why}`, container: null };
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    // A cluster autoscaler may be adding a node for exactly this pod: wait, and say so.
    return { kind: 'waiting', progress: `waiting for a node: ${scheduled.message ?? 'none fits yet'}` };
  }
  for (const [init, list] of [
    [true, status.initContainerStatuses],
    [false, status.containerStatuses],
  ] as const) {
    for (const s of list ?? []) {
      const verdict = containerVerdict(s, init);
      if (verdict) return verdict;
    }
  }
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (ready) return { kind: 'ready' };
  const pulling = status.initContainerStatuses?.find((s) => s.name === 'pull' && s.state?.running);
  if (pulling) return { kind: 'waiting', progress: 'loading the workspace from storage' };
  if (scheduled?.status === 'True') return { kind: 'waiting', progress: 'starting the containers' };
  return { kind: 'waiting', progress: 'waiting for the scheduler' };
}
