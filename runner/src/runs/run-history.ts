import { text } from 'node:stream/consumers';
import { type LogLine, LogLine as LogLineSchema, RunRecord, runsPrefix } from '@cubicle/protocol';
import { forEachLimit, type ObjectStore } from '@cubicle/storage';
import type { Logger } from '../log.js';

/** Finished runs kept per repl; older ones are deleted as new ones finish. */
export const RUN_HISTORY_LIMIT = 200;

/**
 * Finished runs in object storage beside the code (`runs/<replId>/<id>.json` and the output as
 * `<id>.log.jsonl`), so the history survives restarts and never appears in the workspace. The
 * records are read once and kept in memory; without a store (RUNNER_SYNC=off) the history lives
 * in memory only.
 */
export class RunHistory {
  private records: Map<string, RunRecord> | null = null;
  private loading: Promise<Map<string, RunRecord>> | null = null;
  private readonly memoryOutputs = new Map<string, LogLine[]>();

  constructor(
    private readonly store: ObjectStore | null,
    private readonly replId: string,
    private readonly log: Logger,
  ) {}

  /** Newest first; `before` pages backwards by id (ids sort by creation time). */
  async list(limit: number, before?: string): Promise<RunRecord[]> {
    const all = [...(await this.index()).values()].sort((a, b) => (a.id < b.id ? 1 : -1));
    return all.filter((r) => before === undefined || r.id < before).slice(0, limit);
  }

  async get(id: string): Promise<RunRecord | null> {
    return (await this.index()).get(id) ?? null;
  }

  async output(id: string): Promise<LogLine[]> {
    if (!this.store) return this.memoryOutputs.get(id) ?? [];
    try {
      const { body } = await this.store.get(this.key(id, '.log.jsonl'));
      return (await text(body))
        .split('\n')
        .filter(Boolean)
        .map((line) => LogLineSchema.parse(JSON.parse(line)));
    } catch {
      return [];
    }
  }

  /** Stores a finished run with its output, then trims the history. */
  async save(record: RunRecord, output: readonly LogLine[]): Promise<void> {
    const index = await this.index();
    index.set(record.id, record);
    if (this.store) {
      const log = Buffer.from(output.map((l) => JSON.stringify(l)).join('\n'));
      await this.store.put(this.key(record.id, '.log.jsonl'), log, log.length);
      const json = Buffer.from(JSON.stringify(record));
      await this.store.put(this.key(record.id, '.json'), json, json.length);
    } else {
      this.memoryOutputs.set(record.id, [...output]);
    }
    const old = [...index.keys()].sort().slice(0, Math.max(0, index.size - RUN_HISTORY_LIMIT));
    for (const id of old) {
      index.delete(id);
      this.memoryOutputs.delete(id);
      await this.store?.deleteKeys([this.key(id, '.json'), this.key(id, '.log.jsonl')]);
    }
  }

  private key(id: string, ext: string): string {
    return `${runsPrefix(this.replId)}${id}${ext}`;
  }

  private async index(): Promise<Map<string, RunRecord>> {
    if (this.records) return this.records;
    this.loading ??= this.load();
    this.records = await this.loading;
    return this.records;
  }

  private async load(): Promise<Map<string, RunRecord>> {
    const records = new Map<string, RunRecord>();
    if (!this.store) return records;
    const store = this.store;
    const keys = (await store.listKeys(runsPrefix(this.replId))).filter((k) => k.endsWith('.json'));
    await forEachLimit(keys, 16, async (key) => {
      try {
        const record = RunRecord.parse(JSON.parse(await text((await store.get(key)).body)));
        records.set(record.id, record);
      } catch (err) {
        this.log.warn({ err, key }, 'unreadable run record skipped');
      }
    });
    return records;
  }
}
