/**
 * One lane for everything that reads and writes a client's state: sends,
 * deliveries, contact and group changes run one after another, so two of
 * them never start from the same session record. Waiting for the network
 * happens outside the lane.
 */
export class SerialLane {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
