import { connect } from 'node:net';
import type { Endpoint } from './endpoint.ts';
import { describeError } from './errors.ts';

/** blackbox_exporter's query_response, reduced to one exchange: connect, send once, wait for a match. */
export interface Exchange {
  /** Written once connected. */
  readonly send?: string;
  /** Done when what arrived so far matches; without it, done at connect. */
  readonly expect?: RegExp;
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
  const socket = connect({ host: target.host, port: target.port });
  const finish = (outcome: ExchangeOutcome) => {
    if (finished) return;
    finished = true;
    socket.destroy();
    done(outcome);
  };
  socket.on('error', (error) => finish({ ok: false, reason: describeError(error) }));
  socket.on('connect', () => {
    if (exchange.send !== undefined) socket.write(exchange.send);
    if (exchange.expect === undefined) return finish({ ok: true, received });
    exchange.onConnect?.();
  });
  socket.on('data', (chunk: Buffer) => {
    received = (received + chunk.toString('latin1')).slice(-WINDOW_BYTES);
    if (exchange.expect?.test(received)) finish({ ok: true, received });
  });
  socket.on('close', () =>
    finish({
      ok: false,
      reason: `closed before ${exchange.awaiting ?? `${exchange.expect} matched`}; received ${JSON.stringify(received.slice(0, 80))}`,
    }),
  );
  return (reason) => finish({ ok: false, reason });
}
