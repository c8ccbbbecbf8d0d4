import { readRegularText } from '../core/bounded-file.ts';
import { describeError, UserError } from '../core/errors.ts';
import type { Ingestor } from './ingest.ts';
import type { RecentTransition } from './state.ts';

export interface WebhookOptions {
  readonly url: URL;
  readonly tokenFile: string | undefined;
  readonly queueMax: number;
  readonly ingestor: Ingestor;
  readonly log: (line: string) => void;
  readonly random?: () => number;
}

const TIMEOUT_MS = 5000;
/** A bearer token is a few KiB at most (a service-account JWT is about 1 KiB); anything larger is not one. */
const MAX_TOKEN_BYTES = 64 * 1024;
const MAX_BACKOFF_MS = 60_000;

/**
 * Node's global fetch, not core/http-client.ts: fetch is the undici that ships inside Node, so it
 * adds nothing to the exporter's bundle, which must fit a ConfigMap; its start-up cost, which rules
 * it out for the checks, is paid once by this long-running process.
 *
 * POSTs each transition as JSON, oldest first, one at a time. The outbox lives in the exporter's
 * checkpoint, so what was not yet accepted survives a restart; when it is full the oldest are
 * dropped and counted. Failures back off exponentially with jitter, up to a minute.
 */
export class WebhookForwarder {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private attempts = 0;
  private closed = false;

  constructor(private readonly options: WebhookOptions) {}

  private get checkpoint() {
    return this.options.ingestor.checkpoint;
  }

  /** Called before the checkpoint is saved, so the outbox and the spool offset are saved together. */
  enqueue(transitions: readonly RecentTransition[]): void {
    const { outbox, webhook } = this.checkpoint;
    outbox.push(...transitions);
    const overflow = outbox.length - this.options.queueMax;
    if (overflow > 0) {
      outbox.splice(0, overflow);
      webhook.dropped += overflow;
      this.options.log(`webhook queue full: dropped the ${overflow} oldest transitions`);
    }
    this.schedule(0);
  }

  queueLength(): number {
    return this.checkpoint.outbox.length;
  }

  start(): void {
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delay: number): void {
    if (this.closed || this.inFlight || this.checkpoint.outbox.length === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.send(), delay);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    const next = this.checkpoint.outbox[0];
    if (!next || this.inFlight) return;
    this.inFlight = true;
    let delay = 0;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const token = this.options.tokenFile ? readToken(this.options.tokenFile) : '';
      if (token) headers.authorization = `Bearer ${token}`;
      const { url } = this.options;
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(next),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status ${response.status}`);
      this.checkpoint.outbox.shift();
      this.checkpoint.webhook.sent += 1;
      this.attempts = 0;
    } catch (error) {
      this.checkpoint.webhook.failures += 1;
      this.attempts += 1;
      const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
      delay = base / 2 + (this.options.random ?? Math.random)() * (base / 2);
      // The URL is logged without its query, which may carry a secret; the token never is.
      this.options.log(
        `webhook POST to ${this.options.url.origin}${this.options.url.pathname} failed (${describeError(error)}); retry in ${Math.round(delay)} ms`,
      );
    } finally {
      this.inFlight = false;
    }
    try {
      this.options.ingestor.save();
    } catch (error) {
      this.options.log(`cannot save the checkpoint: ${describeError(error)}`);
    }
    this.schedule(delay);
  }
}

/** Read at each send, so a rotated token is picked up; non-blocking and bounded, like every file the exporter reads. */
function readToken(path: string): string {
  try {
    return readRegularText(path, MAX_TOKEN_BYTES).trim();
  } catch (error) {
    // The error names the file and what is wrong with it; it never holds the token.
    throw new UserError(`IPF_WEBHOOK_TOKEN_FILE: ${describeError(error)}`);
  }
}
