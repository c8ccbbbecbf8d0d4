import { endpoint } from '../../core/endpoint.ts';
import { nodeTargetSettings } from '../../core/node-target.ts';
import type { SettingsOf } from '../../core/setting-names.ts';
import { list, oneOf, optional, regex, specFor, withDefault } from '../../core/settings.ts';

/** blackbox_exporter's query_response, reduced to one exchange: send once, then wait for a match. */
export function escapedText(raw: string): string {
  return raw.replace(
    /\\(.)/g,
    (_, character: string) => ({ n: '\n', r: '\r', t: '\t' })[character] ?? character,
  );
}

export const tcpSettings = specFor<SettingsOf<'check'>>()({
  ...nodeTargetSettings,
  IPF_TCP_TARGETS: optional(
    list(endpoint),
    'Comma list of host:port ([addr]:port for IPv6) to connect to. Unset: the node IP on OPENSHIFT_HA_MONITOR_PORT, as the image does.',
  ),
  IPF_TCP_MODE: withDefault(
    'all',
    oneOf('all', 'any'),
    '`all`: every target must answer; `any`: one is enough.',
  ),
  IPF_TCP_SEND: optional(
    escapedText,
    'Text sent after connecting; `\\n`, `\\r`, `\\t` and `\\\\` are escapes.',
  ),
  IPF_TCP_EXPECT: optional(regex, 'Regular expression the received data must match before the deadline.'),
});
