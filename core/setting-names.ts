/**
 * Every IPF_* setting and the part of the toolkit that reads it: the one table from which the packager
 * places each setting, verdict.sh gets the names it refuses (at build time), `ipft lint` flags a setting
 * on a container that does not read it, and the docs' settings tables say where each one goes. Names
 * and readers only, not the specs (each part's settings.ts): each check bundle needs the list, and
 * importing every part's parsers into every bundle cost start-up time on each run. The specs are
 * typed against this table (`SettingsOf`), so a spec cannot name a setting this table does not place.
 */

/** The containers of a packaged pod. */
export type Container = 'keepalived' | 'prober' | 'exporter';
/** prober: keepalived runs verdict.sh, which asks the resident prober; oneshot: keepalived runs a check bundle. */
export type Mode = 'prober' | 'oneshot';

/**
 * Who reads a setting, as a role, since the role's container depends on the mode:
 * - check: what a probe needs; the prober runs the probes in prober mode, the check bundle in keepalived's container in one-shot mode;
 * - hysteresis: what keepalived is told after the probe (verdict.sh, or the check bundle): keepalived's container in both modes;
 * - prober: the resident prober alone;
 * - link: both ends of the prober's socket, verdict.sh and the prober;
 * - exporter: the exporter alone;
 * - everywhere: every process of the toolkit.
 */
type Reader = 'check' | 'hysteresis' | 'prober' | 'link' | 'exporter' | 'everywhere';

const READER_CONTAINERS: Readonly<Record<Reader, Readonly<Record<Mode, readonly Container[]>>>> = {
  check: { prober: ['prober'], oneshot: ['keepalived'] },
  hysteresis: { prober: ['keepalived'], oneshot: ['keepalived'] },
  prober: { prober: ['prober'], oneshot: [] },
  link: { prober: ['keepalived', 'prober'], oneshot: [] },
  exporter: { prober: ['exporter'], oneshot: ['exporter'] },
  everywhere: { prober: ['keepalived', 'prober', 'exporter'], oneshot: ['keepalived', 'exporter'] },
};

export const SETTING_READERS = {
  IPF_STATE_DIR: 'everywhere',
  IPF_LOG_TO: 'everywhere',
  IPF_CHECK_TIMEOUT_MS: 'check',
  IPF_CHECK_FALL: 'hysteresis',
  IPF_CHECK_RISE: 'hysteresis',
  IPF_TCP_TARGETS: 'check',
  IPF_TCP_MODE: 'check',
  IPF_TCP_SEND: 'check',
  IPF_TCP_EXPECT: 'check',
  IPF_HTTP_URL: 'check',
  IPF_HTTP_METHOD: 'check',
  IPF_HTTP_HOST: 'check',
  IPF_HTTP_HEADERS: 'check',
  IPF_HTTP_HEADER_FILES: 'check',
  IPF_HTTP_SECRET_HEADERS: 'check',
  IPF_HTTP_STATUS: 'check',
  IPF_HTTP_BODY_REGEX: 'check',
  IPF_HTTP_BODY_NOT_REGEX: 'check',
  IPF_HTTP_MAX_BODY: 'check',
  IPF_HTTP_FOLLOW_REDIRECTS: 'check',
  IPF_HTTP_CA_FILE: 'check',
  IPF_HTTP_CERT_FILE: 'check',
  IPF_HTTP_KEY_FILE: 'check',
  IPF_HTTP_INSECURE: 'check',
  IPF_HTTP_SERVER_NAME: 'check',
  IPF_EXTERNALIP_NAMESPACES: 'check',
  IPF_EXTERNALIP_SELECTOR: 'check',
  IPF_EXTERNALIP_NODE_IP: 'check',
  IPF_EXTERNALIP_HEALTH_HOST: 'check',
  IPF_EXTERNALIP_CACHE_S: 'check',
  IPF_EXTERNALIP_STALE_S: 'check',
  IPF_KUBECONFIG: 'check',
  IPF_CHECKS: 'prober',
  IPF_PROBER_MIN_GAP_MS: 'prober',
  IPF_PROBER_DRAIN_S: 'prober',
  IPF_MAINTENANCE_LABEL: 'prober',
  IPF_FOLLOW_CORDON: 'prober',
  IPF_MAINTENANCE_FILE: 'prober',
  IPF_MAINTENANCE_REFRESH_S: 'prober',
  IPF_MAINTENANCE_MAX_AGE_S: 'prober',
  IPF_PROBER_PORT: 'link',
  IPF_POD_UID: 'link',
  IPF_EXPORTER_PORT: 'exporter',
  IPF_EXPORTER_HOST: 'exporter',
  IPF_EXPORTER_RECENT: 'exporter',
  IPF_SPOOL_MAX_BYTES: 'exporter',
  IPF_SPOOL_POLL_MS: 'exporter',
  IPF_WEBHOOK_URL: 'exporter',
  IPF_WEBHOOK_TOKEN_FILE: 'exporter',
  IPF_WEBHOOK_QUEUE_MAX: 'exporter',
  IPF_REACH_INTERVAL_MS: 'exporter',
  IPF_REACH_PORT: 'exporter',
  IPF_REACH_TIMEOUT_MS: 'exporter',
  IPF_REACH_CONCURRENCY: 'exporter',
} as const satisfies Record<`IPF_${string}`, Reader>;

export type SettingName = keyof typeof SETTING_READERS;

/** The settings a reader's spec may define: a spec typed with this cannot define a name the table does not place. */
export type SettingsOf<R extends Reader> = {
  [N in SettingName]: (typeof SETTING_READERS)[N] extends R ? N : never;
}[SettingName];

export const knownSettingNames: ReadonlySet<string> = new Set(Object.keys(SETTING_READERS));

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTING_READERS, name);
}

/** The containers that read the setting in this mode; none for a name the table does not know. */
export function settingContainers(name: string, mode: Mode): readonly Container[] {
  return isSettingName(name) ? READER_CONTAINERS[SETTING_READERS[name]][mode] : [];
}

/**
 * Settings the packager keeps in settings.env, the settings ConfigMap that the container running the
 * probes reads whole (envFrom): the probe's and, in prober mode, the prober's own.
 */
export function belongsInSettingsFile(name: string, mode: Mode): boolean {
  if (!isSettingName(name)) return false;
  const reader = SETTING_READERS[name];
  return reader === 'check' || (mode === 'prober' && reader === 'prober');
}
