/** Runs tasks one at a time, in call order; a task that fails does not stop the ones after it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Settles once every task queued so far has. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
