import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeKubeApi, KubeObject } from '@cubicle/orchestrator/test-support/fake-kube-api';
import { RUNNER_NODE_FLAGS } from '@cubicle/runner/tuning';

const RUNNER_CLI = path.resolve(import.meta.dirname, '..', '..', '..', 'runner', 'dist', 'cli.js');

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string; optional?: boolean } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  emptyDir?: unknown;
  configMap?: { name: string };
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

/**
 * A kubelet for the fake API server that runs repl pods for real, as local processes: the
 * runner image's entrypoint is our `runner` CLI, so the init container is `runner pull` and the
 * container `runner serve`, with the pod's environment (Secret references resolved from
 * `secrets`), emptyDirs as temp folders, and the pod's address the Service's clusterIP (a
 * 127.0.0.x loopback address). Pod status follows what happens: init running, ready once
 * /readyz answers, deleted → SIGTERM with the grace period.
 */
export class FakeKubelet {
  private readonly running = new Map<string, { child: ChildProcess; dir: string; spec: PodSpec }>();

  constructor(
    private readonly api: FakeKubeApi,
    private readonly secrets: Record<string, string>,
  ) {
    api.onPodCreated = (pod) => void this.run(pod).catch((err: unknown) => console.error('fake kubelet:', err));
    api.onPodDeleted = (pod) => void this.kill(pod.metadata.name);
    api.onConfigMapChanged = (cm) => {
      for (const { dir, spec } of this.running.values()) this.writeConfigMaps(dir, spec, cm);
    };
  }

  /** Pids of the pods' runner processes still alive. */
  get pids(): number[] {
    return [...this.running.values()].map((r) => r.child.pid ?? -1);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.kill(name)));
  }

  private async run(pod: KubeObject): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name;
    const spec = pod.spec as unknown as PodSpec;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-kubelet-'));
    fs.chmodSync(dir, 0o755); // the runner, started as root here, drops to uid 1000
    for (const v of spec.volumes ?? []) fs.mkdirSync(path.join(dir, v.name), { recursive: true });
    for (const cm of this.api.list('configmaps')) if (cm.metadata.namespace === ns) this.writeConfigMaps(dir, spec, cm);
    const ip = await this.serviceIp(ns, pod.metadata.labels?.['cubicle.dev/repl'] ?? '');
    const envOf = (c: Container): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        LANG: 'C.UTF-8',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      // A path under a mount is the same path in the volume's folder here.
      const mounts = (c.volumeMounts ?? []).sort((a, b) => b.mountPath.length - a.mountPath.length);
      const onHost = (value: string) => {
        const m = mounts.find((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`));
        return m ? path.join(dir, m.name, value.slice(m.mountPath.length)) : value;
      };
      for (const e of c.env ?? []) {
        const value = e.valueFrom?.secretKeyRef ? this.secrets[e.valueFrom.secretKeyRef.key] : e.value;
        if (value !== undefined) env[e.name] = onHost(value);
      }
      return { ...env, HOST: ip };
    };
    const init = spec.initContainers?.[0];
    if (init) {
      this.api.setPodStatus(ns, name, {
        phase: 'Pending',
        initContainerStatuses: [{ name: init.name, ready: false, restartCount: 0, state: { running: {} } }],
      });
      const code = await this.exec(init, envOf(init), dir, null);
      if (code !== 0) {
        this.api.setPodStatus(ns, name, {
          initContainerStatuses: [
            {
              name: init.name,
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: code, reason: 'Error' } },
            },
          ],
        });
        return;
      }
    }
    const main = spec.containers[0];
    if (!main) return;
    const env = envOf(main);
    await this.exec(main, env, dir, name, spec);
    for (let i = 0; i < 300 && this.running.has(name); i++) {
      const ok = await fetch(`http://${ip}:${env.PORT}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return this.api.markReady(ns, name);
      await sleep(100);
    }
  }

  /** Runs a container's command: resolves with its exit code (init), or once spawned (`keep` names the pod). */
  private exec(
    c: Container,
    env: NodeJS.ProcessEnv,
    dir: string,
    keep: string | null,
    spec?: PodSpec,
  ): Promise<number> {
    const child = spawn(process.execPath, [...RUNNER_NODE_FLAGS, RUNNER_CLI, ...(c.args ?? [])], {
      env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    if (keep) {
      this.running.set(keep, { child, dir, spec: spec ?? { containers: [] } });
      return Promise.resolve(0);
    }
    return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  }

  /** ConfigMap volumes: one file per key, replaced atomically (as the kubelet's symlink swap does). */
  private writeConfigMaps(dir: string, spec: PodSpec, cm: KubeObject): void {
    const data = (cm as unknown as { data?: Record<string, string> }).data ?? {};
    for (const v of spec.volumes ?? []) {
      if (v.configMap?.name !== cm.metadata.name) continue;
      const into = path.join(dir, v.name);
      fs.mkdirSync(into, { recursive: true });
      for (const [file, text] of Object.entries(data)) {
        fs.writeFileSync(path.join(into, `.${file}.new`), text);
        fs.renameSync(path.join(into, `.${file}.new`), path.join(into, file));
      }
    }
  }

  private async serviceIp(ns: string, replId: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const ip = (this.api.get('services', ns, `repl-${replId}`)?.spec as { clusterIP?: string } | undefined)
        ?.clusterIP;
      if (ip) return ip;
      await sleep(20);
    }
    throw new Error(`no Service for repl ${replId}`);
  }

  /** Pod deleted: SIGTERM (the runner flushes to S3), SIGKILL after the grace period. */
  private async kill(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    const exited = new Promise<void>((resolve) => {
      if (r.child.exitCode !== null) resolve();
      else r.child.once('exit', () => resolve());
    });
    r.child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    r.child.kill('SIGKILL');
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
}
