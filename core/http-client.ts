// undici's internal modules rather than its index: the index loads fetch, WebSocket and caches at
// start-up, which tripled a check's CPU per run (see bench/). Types come from core/undici.d.ts.

import request from 'undici/lib/api/api-request.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import redirect from 'undici/lib/interceptor/redirect.js';

export { Agent, redirect, request };
