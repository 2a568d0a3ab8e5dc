import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeKubeApi, KubeObject } from '@cubicle/orchestrator/test-support/fake-kube-api';
import { RUNNER_NODE_FLAGS, RUNNER_PROCESS_ENV } from '@cubicle/runner/tuning';

const RUNNER_CLI = path.resolve(import.meta.dirname, '..', '..', '..', 'runner', 'dist', 'cli.js');

interface Container {
  name: string;
  args?: string[];
  restartPolicy?: string;
  startupProbe?: { exec?: { command: string[] } };
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string; optional?: boolean } } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface Volume {
  name: string;
  emptyDir?: unknown;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  securityContext?: { runAsUser?: number; runAsGroup?: number };
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
  private readonly running = new Map<
    string,
    { name: string; dir: string; spec: PodSpec; sidecars: ChildProcess[]; main: ChildProcess | null }
  >();

  constructor(
    private readonly api: FakeKubeApi,
    private readonly secrets: Record<string, string>,
  ) {
    api.onPodCreated = (pod) => void this.run(pod).catch((err: unknown) => console.error('fake kubelet:', err));
    // A pod asked to go: SIGTERM (the runner flushes), then it leaves the API.
    api.onPodDeleted = (pod) =>
      void this.kill(pod.metadata.name).then(() =>
        api.finishTermination(pod.metadata.namespace ?? '', pod.metadata.name),
      );
    api.onConfigMapChanged = (cm) => {
      for (const { dir, spec } of this.running.values()) this.writeConfigMaps(dir, spec, cm);
    };
  }

  /** Pids of the pods' runner processes still alive. */
  get pids(): number[] {
    return [...this.running.values()].flatMap((r) => [r.main, ...r.sidecars].map((c) => c?.pid ?? -1));
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.kill(name)));
    fs.rmSync(this.claimsDir, { recursive: true, force: true });
  }

  /** Persistent volumes, by claim name: they outlive the pods that mount them. */
  private readonly claimsDir = (() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-kubelet-claims-'));
    fs.chmodSync(dir, 0o755); // the pod's user (uid 1000) passes through to its volume
    return dir;
  })();

  /**
   * Node pressure past a hard threshold: the kubelet kills the pod's containers at once (no
   * SIGTERM, no grace, no flush) and reports it Evicted. Persistent volumes keep what was on them.
   */
  async evictHard(ns: string, name: string): Promise<void> {
    await this.kill(name, 'SIGKILL');
    this.api.evict(ns, name, 'The node had condition: [MemoryPressure].');
  }

  /**
   * While set, a new pod is not scheduled: it reports Unschedulable (what a full cluster says
   * while an autoscaler adds a node) until the promise resolves.
   */
  noNodeUntil: Promise<void> | null = null;

  private async run(pod: KubeObject): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name;
    if (this.noNodeUntil) {
      this.api.setPodStatus(ns, name, {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu.',
          },
        ],
      });
      await this.noNodeUntil;
      this.api.setPodStatus(ns, name, { conditions: [{ type: 'PodScheduled', status: 'True' }] });
    }
    const spec = pod.spec as unknown as PodSpec;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-kubelet-'));
    fs.chmodSync(dir, 0o755);
    const volumeDir = (name: string) => {
      const claim = spec.volumes?.find((v) => v.name === name)?.persistentVolumeClaim?.claimName;
      return claim ? path.join(this.claimsDir, claim) : path.join(dir, name);
    };
    for (const v of spec.volumes ?? []) {
      fs.mkdirSync(volumeDir(v.name), { recursive: true });
      // As the kubelet makes emptyDirs (and fsGroup makes volumes): writable by the pod's user.
      if (v.emptyDir || v.persistentVolumeClaim) fs.chmodSync(volumeDir(v.name), 0o777);
    }
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
      for (const m of c.volumeMounts ?? []) {
        if (!m.subPath) continue;
        fs.mkdirSync(path.join(volumeDir(m.name), m.subPath), { recursive: true });
        fs.chmodSync(path.join(volumeDir(m.name), m.subPath), 0o777);
      }
    }
    for (const cm of this.api.list('configmaps')) if (cm.metadata.namespace === ns) this.writeConfigMaps(dir, spec, cm);
    const ip = await this.serviceIp(ns, pod.metadata.labels?.['cubicle.dev/repl'] ?? '');
    const pod_ = { name, dir, spec, sidecars: [] as ChildProcess[], main: null as ChildProcess | null };
    this.running.set(name, pod_);
    const onHost = (c: Container, value: string) => {
      // A path under a mount is the same path in the volume's folder here.
      const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
      const m = mounts.find((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`));
      return m ? path.join(volumeDir(m.name), m.subPath ?? '', value.slice(m.mountPath.length)) : value;
    };
    const envOf = (c: Container): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        LANG: 'C.UTF-8',
        HOME: '/tmp',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...RUNNER_PROCESS_ENV, // (the image's ENV)
      };
      for (const e of c.env ?? []) {
        const value = e.valueFrom?.secretKeyRef ? this.secrets[e.valueFrom.secretKeyRef.key] : e.value;
        if (value !== undefined) env[e.name] = onHost(c, value);
      }
      return { ...env, HOST: ip };
    };
    for (const init of spec.initContainers ?? []) {
      if (init.restartPolicy === 'Always') {
        // A native sidecar: started, then the next init container once its startup probe passes.
        pod_.sidecars.push(this.exec(init, envOf(init), spec));
        const probe = init.startupProbe?.exec?.command;
        const socket = probe?.[0] === 'test' && probe[1] === '-S' ? onHost(init, probe[2] ?? '') : null;
        for (let i = 0; socket && i < 300 && !fs.existsSync(socket); i++) await sleep(50);
        continue;
      }
      this.api.setPodStatus(ns, name, {
        phase: 'Pending',
        initContainerStatuses: [{ name: init.name, ready: false, restartCount: 0, state: { running: {} } }],
      });
      const code = await exitCode(this.exec(init, envOf(init), spec));
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
    if (!main || !this.running.has(name)) return;
    const env = envOf(main);
    pod_.main = this.exec(main, env, spec);
    for (let i = 0; i < 300 && this.running.has(name); i++) {
      const ok = await fetch(`http://${ip}:${env.PORT}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return this.api.markReady(ns, name);
      await sleep(100);
    }
  }

  /**
   * Runs a container's command as the image would: as root here, each container gets its pod's
   * (or its own) user and a PID namespace of its own, as containers without a shared process
   * namespace do, so one container's processes cannot read another's environment through /proc.
   */
  private exec(c: Container, env: NodeJS.ProcessEnv, spec: PodSpec): ChildProcess {
    const command = [process.execPath, ...RUNNER_NODE_FLAGS, RUNNER_CLI, ...(c.args ?? [])];
    const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
    const gid = c.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? uid;
    const asContainer =
      process.getuid?.() === 0 && uid !== undefined
        ? [
            'unshare',
            '--pid',
            '--fork',
            '--mount-proc',
            '--kill-child=SIGKILL',
            'setpriv',
            `--reuid=${uid}`,
            `--regid=${gid}`,
            '--clear-groups',
            '--',
          ]
        : [];
    const [cmd = '', ...args] = [...asContainer, ...command];
    return spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
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

  /** Pod deleted: SIGTERM to the runner (it flushes to S3), SIGKILL after the grace period; then the sidecars. */
  private async kill(name: string, how: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    for (const child of [r.main, ...r.sidecars]) {
      if (!child) continue;
      if (how === 'SIGKILL') await killContainer(child);
      else await stopContainer(child);
    }
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
}

function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** The container's first process: inside its PID namespace (under `unshare`) when it has one. */
function containerPid(child: ChildProcess): number {
  const inner = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0];
  return inner ? Number(inner) : (child.pid ?? -1);
}

/**
 * SIGKILL to the container's process itself: a parent-death signal does not reach it (it is
 * cleared when `setpriv` changes the user), so killing only the `unshare` wrapper would orphan it.
 */
async function killContainer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitCode(child);
  process.kill(containerPid(child), 'SIGKILL');
  child.kill('SIGKILL');
  await exited;
}

/** SIGTERM to the container's first process (inside its PID namespace, when it has one), SIGKILL after 30 s. */
async function stopContainer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitCode(child);
  process.kill(containerPid(child), 'SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  child.kill('SIGKILL');
}
