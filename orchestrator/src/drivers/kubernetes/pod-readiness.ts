import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** What a repl pod's status says about its start: wait, ready, or failed (with why, and which container's logs tell more). */
export type PodVerdict =
  | { kind: 'waiting' }
  | { kind: 'ready' }
  | { kind: 'failed'; reason: string; container: string | null };

/** Waiting reasons that never resolve on their own: fail fast instead of sitting in `starting`. */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);

function containerProblem(s: V1ContainerStatus, init: boolean): PodVerdict | null {
  const waiting = s.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const what = waiting.reason === 'CrashLoopBackOff' ? 'keeps crashing' : waiting.reason;
    return {
      kind: 'failed',
      reason: `${s.name}: ${what}${waiting.message ? ` (${waiting.message})` : ''}`,
      container: s.name,
    };
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

/** Reads one pod status (from a watch event) into a verdict for the driver's start. */
export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status;
  if (!status) return { kind: 'waiting' };
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { kind: 'failed', reason: `cannot be scheduled: ${scheduled.message ?? 'no node fits'}`, container: null };
  }
  for (const s of status.initContainerStatuses ?? []) {
    const problem = containerProblem(s, true);
    if (problem) return problem;
  }
  for (const s of status.containerStatuses ?? []) {
    const problem = containerProblem(s, false);
    if (problem) return problem;
  }
  if (status.phase === 'Failed')
    return { kind: 'failed', reason: `pod failed: ${status.reason ?? status.message ?? 'unknown'}`, container: null };
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return ready ? { kind: 'ready' } : { kind: 'waiting' };
}
