/**
 * Lamport's logical clock (Lamport 1978): a counter per process, incremented on every event;
 * a message carries the sender's counter and the receiver jumps past it. If a happened before
 * b then L(a) < L(b); the converse does not hold (vector-clock.ts captures it exactly).
 */

export class LamportClock {
  private t = 0;

  /** The current value (the timestamp of the latest event). */
  get time(): number {
    return this.t;
  }

  /** A local event: returns its timestamp. */
  tick(): number {
    return ++this.t;
  }

  /** A send event: returns the timestamp to put in the message. */
  send(): number {
    return this.tick();
  }

  /** A receive event for a message stamped `stamp`: max(local, stamp) + 1, returned. */
  receive(stamp: number): number {
    if (!Number.isSafeInteger(stamp) || stamp < 0) {
      throw new RangeError(`a Lamport timestamp is a non-negative integer, not ${stamp}`);
    }
    this.t = Math.max(this.t, stamp) + 1;
    return this.t;
  }
}
