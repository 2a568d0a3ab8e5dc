/**
 * Runs async jobs one at a time in arrival order. Mutating file operations go through one
 * queue so that a version check and the write that depends on it cannot interleave with
 * another client's write, rename or delete.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
