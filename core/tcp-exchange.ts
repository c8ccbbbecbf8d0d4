import { connect } from 'node:net';
import type { Endpoint } from './endpoint.ts';
import { describeError } from './errors.ts';
import { matchWithin } from './linear-regex.ts';

/** blackbox_exporter's query_response, reduced to one exchange: connect, send once, wait for a match. */
export interface Exchange {
  /** Written once connected. */
  readonly send?: string;
  /**
   * A user's pattern: done when what arrived so far matches. It is matched off the event loop when
   * large (core/linear-regex.ts), so a pattern and a trickling server cannot stall the deadline.
   */
  readonly expect?: RegExp;
  /** The toolkit's own framing, cheap by construction: done when it returns true. */
  readonly complete?: (received: string) => boolean;
  /** What the wait is for, in a reason: `closed before <awaiting>`. Default: `<expect> matched`. */
  readonly awaiting?: string;
  /** Told when the connection is up and the wait for `expect` begins. */
  readonly onConnect?: () => void;
}

export type ExchangeOutcome =
  | { readonly ok: true; readonly received: string }
  | { readonly ok: false; readonly reason: string };

/** What `expect` is matched against at most; a service banner or a status line fits many times over. */
const WINDOW_BYTES = 64 * 1024;

/**
 * One TCP exchange with `target`; `done` is called exactly once. Returns a cancel function that
 * ends the exchange with the given reason (the caller's deadline).
 */
export function tcpExchange(
  target: Endpoint,
  exchange: Exchange,
  done: (outcome: ExchangeOutcome) => void,
): (reason: string) => void {
  let received = '';
  let finished = false;
  // Data that arrives while a match runs is matched after it; `closed` is honoured only once every
  // byte that arrived before it was matched, so a banner followed at once by a close still passes.
  let arrived = 0;
  let matchedUpTo = 0;
  let matching = false;
  let closed = false;
  const matches = new AbortController();
  const socket = connect({ host: target.host, port: target.port });
  const finish = (outcome: ExchangeOutcome) => {
    if (finished) return;
    finished = true;
    matches.abort();
    socket.destroy();
    done(outcome);
  };
  const closedReason = () =>
    `closed before ${exchange.awaiting ?? `${exchange.expect} matched`}; received ${JSON.stringify(received.slice(0, 80))}`;
  const evaluate = async () => {
    if (matching) return;
    matching = true;
    while (!finished && matchedUpTo < arrived) {
      const upTo = arrived;
      const outcome = exchange.expect
        ? await matchWithin(exchange.expect, received, matches.signal)
        : { matched: exchange.complete?.(received) ?? false };
      matchedUpTo = upTo;
      if ('reason' in outcome) return finish({ ok: false, reason: outcome.reason });
      if (outcome.matched) return finish({ ok: true, received });
    }
    matching = false;
    if (closed) finish({ ok: false, reason: closedReason() });
  };
  socket.on('error', (error) => finish({ ok: false, reason: describeError(error) }));
  socket.on('connect', () => {
    if (exchange.send !== undefined) socket.write(exchange.send);
    if (exchange.expect === undefined && exchange.complete === undefined)
      return finish({ ok: true, received });
    exchange.onConnect?.();
  });
  socket.on('data', (chunk: Buffer) => {
    received = (received + chunk.toString('latin1')).slice(-WINDOW_BYTES);
    arrived += 1;
    void evaluate();
  });
  socket.on('close', () => {
    closed = true;
    void evaluate();
  });
  return (reason) => finish({ ok: false, reason });
}
