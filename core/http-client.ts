// undici's internal modules rather than its index: the index loads fetch, WebSocket and caches at
// start-up, which tripled a check's CPU per run (see bench/). Types come from core/undici.d.ts.

import request from 'undici/lib/api/api-request.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import redirect from 'undici/lib/interceptor/redirect.js';

export { Agent, redirect, request };

/** An undici response body, as far as the checks use it. */
export interface ResponseBody extends AsyncIterable<Buffer> {
  destroy(): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const ignore = () => {};

/**
 * Drops a body without reading it. undici destroys an unread body with a RequestAbortedError that it
 * emits as an 'error' event on a later tick; with nobody listening, that event kills the process
 * while another probe of the same run is still pending.
 */
export function discardBody(body: ResponseBody): void {
  body.on('error', ignore);
  body.destroy();
}

export interface BodyRead {
  readonly text: string;
  /** The body was longer than the limit: only `limit` bytes were kept, and the rest was not read. */
  readonly truncated: boolean;
}

/**
 * Reads at most `limit` bytes of a body and drops the connection rather than reading the rest. A body
 * cut short (a reset, or fewer bytes than Content-Length) rejects with undici's error.
 */
export async function readAtMost(body: ResponseBody, limit: number): Promise<BodyRead> {
  body.on('error', ignore);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      // One byte past the limit tells a body that is longer from one that is exactly as long.
      if (size > limit) break;
    }
  } finally {
    body.destroy();
  }
  return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), truncated: size > limit };
}

/** One line for an undici failure: the innermost cause, which names what really went wrong. */
export function describeHttpError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.cause instanceof Error) return describeHttpError(error.cause);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return 'response headers larger than 16 KiB';
  if (code === 'UND_ERR_ABORTED' || error.name === 'AbortError') return 'aborted';
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
