import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';
import { KUBE_API_ATTEMPTS, KUBE_API_RETRY_BASE_MS, KUBE_API_TIMEOUT_MS } from '../../tuning.js';

/** The HTTP status of a failed Kubernetes API call, or 0 when it never got an answer. */
export const statusOf = (err: unknown) => (err instanceof ApiException ? (err.code as number) : 0);

/** A server's hiccup (5xx, 429: a leader election in etcd, an overloaded API server) or no answer at all. */
const transient = (err: unknown) => {
  const code = statusOf(err);
  return code === 0 || code === 429 || code >= 500;
};

class CallTimeout extends Error {
  override readonly name = 'CallTimeout';
}

/**
 * One Kubernetes API call with a timeout, tried again with backoff after a transient failure;
 * a 4xx (a refusal that will not change) is thrown at once.
 */
export async function kubeCall<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CallTimeout(`no answer in ${KUBE_API_TIMEOUT_MS} ms`)),
            KUBE_API_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      if (attempt >= KUBE_API_ATTEMPTS || !transient(err)) throw err;
      await sleep(KUBE_API_RETRY_BASE_MS * 2 ** (attempt - 1));
    } finally {
      clearTimeout(timer);
    }
  }
}
