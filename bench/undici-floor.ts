// The least an undici request can cost: one Client, one GET, as bundled for the http-check.
import { setFlagsFromString } from 'node:v8';
import { Agent, request } from '../core/http-client.ts';

setFlagsFromString('--liftoff-only');
const agent = new Agent();
const url = new URL(process.env.FLOOR_URL ?? '');
request
  .call(agent, { origin: url.origin, path: url.pathname, method: 'GET' })
  .then((response) => response.body.dump())
  .finally(() => agent.destroy());
