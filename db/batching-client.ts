import type { PoolClient } from "@neondatabase/serverless";
import { runPipeline, type Statement, type StatementResult } from "./pipeline";

interface Queued {
  statement: Statement;
  resolve(result: StatementResult): void;
  reject(error: unknown): void;
}

type QueryConfig = string | { text: string; rowMode?: "array"; types?: Statement["types"] };

/**
 * What drizzle holds as its client inside a scoped transaction. Queries
 * issued in the same turn of the event loop (a loader's `Promise.all`) are
 * not sent one by one: they are queued and go out together as one pipeline,
 * one round trip, behind the statements that open the transaction.
 *
 * `oneMessage` is for reads: the opening statements and the first batch are
 * the whole request, in the implicit transaction that ends at its Sync, so
 * there is no BEGIN or COMMIT to wait for. A second batch would run outside
 * that transaction, without the claims, so it is refused.
 */
export class BatchingClient {
  private queue: Queued[] = [];
  private scheduled = false;
  private closed = false;
  /** Has anything been sent on the connection yet? */
  started = false;

  constructor(
    private readonly client: PoolClient,
    private opening: Statement[],
    private readonly oneMessage: boolean,
  ) {}

  query(config: QueryConfig, values?: unknown[]): Promise<StatementResult> {
    const statement: Statement =
      typeof config === "string"
        ? { text: config, values }
        : { text: config.text, values, rowMode: config.rowMode, types: config.types };
    return new Promise((resolve, reject) => {
      this.queue.push({ statement, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: every query a loader starts before its first await joins the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Sends the opening statements if no query did, so a request that asks nothing still has its session checked. */
  async open(): Promise<void> {
    if (!this.started) await this.send([]);
  }

  /** After this, the connection belongs to the pool again: a query started but never awaited must not reach it. */
  close() {
    this.closed = true;
  }

  private async flush() {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (this.closed) {
      const error = new Error("a query was started after its scoped transaction had ended");
      for (const queued of batch) queued.reject(error);
      return;
    }
    if (this.oneMessage && this.started) {
      const error = new Error(
        "a one-message scope sent a second batch of statements; start them together (Promise.all) or use a transaction",
      );
      for (const queued of batch) queued.reject(error);
      return;
    }
    try {
      const results = await this.send(batch.map((queued) => queued.statement));
      batch.forEach((queued, index) => queued.resolve(results[index]));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    }
  }

  private async send(statements: Statement[]): Promise<StatementResult[]> {
    const opening = this.opening;
    this.opening = [];
    this.started = true;
    const results = await runPipeline(this.client, [...opening, ...statements]);
    return results.slice(opening.length);
  }
}
