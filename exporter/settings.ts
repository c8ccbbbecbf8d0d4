import { sharedSettings } from '../core/common-settings.ts';
import type { SettingsOf } from '../core/setting-names.ts';
import {
  byteSize,
  httpUrl,
  integer,
  milliseconds,
  optional,
  specFor,
  text,
  withDefault,
} from '../core/settings.ts';
import { DEFAULT_EXPORTER_PORT } from '../core/toolkit-ports.ts';

export const exporterSettings = specFor<SettingsOf<'everywhere' | 'exporter'>>()({
  ...sharedSettings,
  IPF_EXPORTER_PORT: withDefault(
    DEFAULT_EXPORTER_PORT,
    integer(1, 65535, 'a port from 1 to 65535'),
    'Port of /metrics, /healthz, /readyz and /api/state, on the node’s network (9871: see the README).',
  ),
  IPF_EXPORTER_HOST: withDefault('0.0.0.0', text, 'Address to listen on.'),
  IPF_EXPORTER_RECENT: withDefault(
    '100',
    integer(1, 10_000),
    'How many of the last transitions /api/state returns and the checkpoint keeps.',
  ),
  IPF_SPOOL_MAX_BYTES: withDefault(
    '16MiB',
    byteSize,
    'Once the spool is read to its end and larger than this, it is renamed to transitions.jsonl.1 and hooks start a new one.',
  ),
  IPF_SPOOL_POLL_MS: withDefault(
    '1000',
    integer(50, 60_000),
    'How often the spool is read when no file-system event arrives (fs.watch is not reliable on every volume).',
  ),
  IPF_WEBHOOK_URL: optional(
    httpUrl('IPF_WEBHOOK_TOKEN_FILE'),
    'Each transition is POSTed here as JSON, with retries; unset: no forwarding.',
  ),
  IPF_WEBHOOK_TOKEN_FILE: optional(
    text,
    'File holding a bearer token for IPF_WEBHOOK_URL; the token is never logged.',
  ),
  IPF_WEBHOOK_QUEUE_MAX: withDefault(
    '1000',
    integer(1, 100_000),
    'Transitions waiting for the webhook at most; beyond it the oldest are dropped and counted.',
  ),
  IPF_REACH_INTERVAL_MS: optional(
    integer(0, 5000, 'a whole number of milliseconds from 0 (off) to 5000'),
    'How often this exporter connects to every VIP it does not hold, to see that it answers where it is (ipfailover_vip_reachable); 0: never. Unset: 1000, or 20 per VIP when that is more (at most 50 connections a second), up to 5000.',
  ),
  IPF_REACH_PORT: optional(
    integer(1, 65535, 'a port from 1 to 65535'),
    'The TCP port of those connections; unset: OPENSHIFT_HA_MONITOR_PORT (no probes when that is 0). A SYN-ACK and a RST both count as an answer, so the port need not be open.',
  ),
  IPF_REACH_TIMEOUT_MS: withDefault(
    '300',
    milliseconds(10, 5000),
    'How long one connection waits for an answer before the VIP counts as unreachable from here.',
  ),
  IPF_REACH_CONCURRENCY: withDefault(
    '32',
    integer(1, 256),
    'Connections in flight at once; a round over many VIPs that drop everything takes longer, and the next waits for it.',
  ),
});
