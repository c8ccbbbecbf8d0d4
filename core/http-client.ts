// undici's internal modules rather than its index: the index loads fetch, WebSocket and caches at
// start-up, which tripled a check's CPU per run (see bench/). Types come from core/undici.d.ts.

import request from 'undici/lib/api/api-request.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import redirect from 'undici/lib/interceptor/redirect.js';

export { Agent, redirect, request };

/** Reads at most `limit` bytes of a body and drops the connection rather than reading the rest. */
export async function readAtMost(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // One byte past the limit tells a body that is longer from one that is exactly as long.
    if (size > limit) break;
  }
  body.destroy();
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
