import { isIP } from 'node:net';
import { Expected } from './errors.ts';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function port(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 65535) throw new Expected('a port from 1 to 65535');
  return value;
}

/** `host:port`, with IPv6 written `[addr]:port` as in a URL. */
export function endpoint(raw: string): Endpoint {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d+)$/.exec(raw);
  const v6 = match?.[1];
  if (!match || (v6 !== undefined && isIP(v6) !== 6)) {
    throw new Expected('host:port, with IPv6 written as [addr]:port');
  }
  return { host: v6 ?? match[2] ?? '', port: port(match[3] ?? '') };
}

export function formatEndpoint({ host, port }: Endpoint): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
