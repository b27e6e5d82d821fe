/**
 * The handle every asynchronous DNS call returns: a result that appears when the simulation
 * reaches it, and callbacks. There are no promises in the engine on purpose: promise callbacks
 * run as microtasks after the current simulator event, outside its (time, sequence) order, so
 * two runs could interleave differently; a callback called from a simulator event cannot.
 */

/** A DNS operation in progress or finished. */
export class DnsRequest<T> {
  private value: T | undefined;
  private done = false;
  private readonly listeners: ((result: T) => void)[] = [];

  /** True once the result is known. */
  get finished(): boolean {
    return this.done;
  }

  /** The result, or undefined while the operation runs. */
  get result(): T | undefined {
    return this.value;
  }

  /** Calls `fn` with the result when it is known (at once if it already is). */
  onDone(fn: (result: T) => void): this {
    if (this.done) fn(this.value as T);
    else this.listeners.push(fn);
    return this;
  }

  /** Sets the result and tells the listeners; later calls do nothing. For the DNS code. */
  settle(result: T): void {
    if (this.done) return;
    this.done = true;
    this.value = result;
    for (const fn of this.listeners) fn(result);
    this.listeners.length = 0;
  }
}
