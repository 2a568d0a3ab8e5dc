import { getHeapStatistics } from 'node:v8';
import { RECLAIM_AFTER_BYTES, RECLAIM_MAJOR_EXTERNAL_BYTES, RECLAIM_QUIET_MS } from '../tuning.js';

/**
 * Collects garbage once work that made a lot of it has gone quiet. V8 collects when a heap
 * fills, never because an isolate went idle, so a flood's buffers (external memory, freed only
 * by a collection) otherwise stayed in the runner's RSS for good: 34 MB on the socket's thread
 * and 38 MB in the screen mirror's after one 200 MB `cat`. Needs `--expose-gc`, which every
 * launcher passes (RUNNER_NODE_FLAGS); without it this does nothing. One per isolate.
 */
export class HeapReclaimer {
  private sinceCollect = 0;
  private lastWork = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Outside-heap memory that a full collection left (live buffers: the mirror's terminals hold some). */
  private liveExternal = 0;

  constructor(
    private readonly collect: NodeJS.GCFunction | undefined = globalThis.gc,
    private readonly afterBytes = RECLAIM_AFTER_BYTES,
    private readonly quietMs = RECLAIM_QUIET_MS,
    /** Memory held outside the heap by this isolate's ArrayBuffers (Buffers), live or not yet collected. */
    private readonly externalBytes = () => getHeapStatistics().external_memory,
    private readonly majorAboveBytes = RECLAIM_MAJOR_EXTERNAL_BYTES,
  ) {}

  /** `bytes` of work were done (output passed through): collect once it has been quiet a while. */
  note(bytes: number): void {
    if (!this.collect) return;
    this.sinceCollect += bytes;
    this.lastWork = performance.now();
    if (this.sinceCollect >= this.afterBytes) this.schedule(this.quietMs);
  }

  /**
   * Collects the young generation now (about a millisecond): after a large batch of output is
   * handled and nothing waits, its buffers are garbage there, and would otherwise stay in RSS
   * until the isolate next allocates enough to collect.
   */
  collectYoung(): void {
    void this.collect?.({ type: 'minor' });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(this.check, ms);
    this.timer.unref();
  }

  private readonly check = (): void => {
    this.timer = null;
    const quietFor = performance.now() - this.lastWork;
    if (quietFor < this.quietMs) {
      this.schedule(this.quietMs - quietFor);
      return;
    }
    this.sinceCollect = 0;
    // Most of a flood's buffers die young, and a young-generation collection (about a millisecond)
    // frees them. Those that lived long enough to be promoted need the whole heap collected,
    // which took ~70 ms of CPU per flood across both isolates: only when they add up to more than
    // the last full collection left.
    this.collectYoung();
    const external = this.externalBytes();
    this.liveExternal = Math.min(this.liveExternal, external); // (live buffers went away since)
    if (external - this.liveExternal <= this.majorAboveBytes) return;
    void this.collect?.({ type: 'major' });
    this.liveExternal = this.externalBytes();
  };
}
