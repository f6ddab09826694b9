/**
 * Group commit for the projector's partition batches. kafkajs hands over the
 * batches of several partitions at once (PROJECTOR_CONCURRENCY); under load
 * each holds an event or two, and a Postgres transaction per batch costs its
 * round trips and its commit however little it writes. Here one group runs at
 * a time: the batches submitted while it runs wait for it to end, then go
 * together, as the next group — one `run` (one transaction) for all of them.
 * A lone batch runs at once, as before; nothing waits on a timer.
 *
 * A group succeeds or fails as a whole: every batch in it gets the group's
 * error, and its submitter decides what to do (the projector applies it on its
 * own then, where a poison message only holds back its own batch).
 */
export class BatchGroups<B> {
  private waiting: { batch: B; settle: (error: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly run: (batches: B[]) => Promise<void>) {}

  /** Resolves once the group holding `batch` committed; rejects with the group's error. */
  submit(batch: B): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batch, settle: (error) => (error === NONE ? resolve() : reject(error)) });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting;
        this.waiting = [];
        let outcome: unknown = NONE;
        try {
          await this.run(group.map((g) => g.batch));
        } catch (err) {
          outcome = err;
        }
        for (const g of group) g.settle(outcome);
      }
    } finally {
      this.running = false;
    }
  }
}

/** No error: a group may fail with any value, `undefined` included. */
const NONE = Symbol('no error');
