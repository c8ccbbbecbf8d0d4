/**
 * The doorbell between `verdict.sh` (run by keepalived) and the resident prober. The TCP reply may
 * only say "ready": anything on the host can bind 127.0.0.1:PORT while the prober is down. The
 * verdict itself is a file in the pod's own state emptyDir, named after a nonce the client chose, so
 * a squatter on the port can make a run fail, never pass. checks/prober/verdict.sh speaks the same
 * lines in bash, with this file's constants (scripts/shell-constants.ts); test/verdict.test.ts runs the
 * two against each other.
 *
 *   request  (client → prober, one line):  ipft2 <pod uid> <check>[,<check>…] <nonce> <budget ms>
 *   reply    (prober → client, one line):  ready <nonce>
 *                                          refused <reason>
 *   verdict  ($IPF_STATE_DIR/verdict-<nonce>, one line, written by temp file and rename):
 *                                          ipft2 <pod uid> <checks> <nonce> pass
 *                                          ipft2 <pod uid> <checks> <nonce> fail <reason>
 *
 * The request carries the client's remaining budget, so that the probe's deadline ends before the
 * client stops waiting. verdict.sh and the prober ship in the same pod template, so they always speak
 * the same version; the version field is there so that a request in another one is refused with a line
 * that names both.
 */

/**
 * The deployment runs in prober mode when keepalived's check is verdict.sh: only then is an absent
 * prober a problem (the exporter), and only then does the probe's deadline follow the prober (the linter).
 */
export function usesProber(checkScript: string | undefined): boolean {
  return /(^|\/)verdict\.sh(\s|$)/.test(checkScript ?? '');
}

export const PROTOCOL_VERSION = 'ipft2';

/** The names a request may ask for; the prober serves those of them that IPF_CHECKS names. */
export const PROBER_CHECKS = ['tcp-check', 'http-check', 'externalip-check'] as const;
export type ProberCheck = (typeof PROBER_CHECKS)[number];

/** A request line is under 200 bytes; anything longer is not a client of ours. */
export const REQUEST_MAX_BYTES = 512;
/** The reply verdict.sh reads at most; a longer one is malformed. */
export const REPLY_MAX_BYTES = 256;
/** A verdict line at most: a reason is cut at REASON_MAX_CHARACTERS (1000). */
export const VERDICT_MAX_BYTES = 2048;

/**
 * The time budget, as formulas (interval I in ms):
 *   keepalived's timeout (I)  >  the client's budget (I - CLIENT_MARGIN_MS)
 *                             >  the probe's deadline (at most budget - PROBER_REPLY_MARGIN_MS, and
 *                                the one-shot deadline min(IPF_CHECK_TIMEOUT_MS, I - 300))
 * The client spends one budget across the connect, the reply and the verdict file, and exits before
 * keepalived's SIGTERM; the prober ends the probe early enough to write the file and reply.
 */
export const CLIENT_MARGIN_MS = 100;
export const PROBER_REPLY_MARGIN_MS = 100;

/** The prober's own record in IPF_STATE_DIR, rewritten every PROBER_HEARTBEAT_MS: the exporter's prober_up. */
export const PROBER_RECORD = 'prober.json';
export const PROBER_HEARTBEAT_MS = 2000;

/** verdict.sh's streak (`passing failures passes`) and its record of what keepalived was told. */
export const VERDICT_STREAK_FILE = 'verdict.streak';
export const VERDICT_CHECK_NAME = 'verdict';

/** `verdict-<nonce>`: only digits, so a nonce can never name a path outside the state directory. */
export const VERDICT_PREFIX = 'verdict-';
export const verdictFileName = (nonce: string): string => `${VERDICT_PREFIX}${nonce}`;

/** A pod UID from the downward API is a UUID; the pattern allows any lower-case hex-and-dash id. */
export const POD_UID = /^[0-9a-f][0-9a-f-]{0,63}$/;
const NONCE = /^[0-9]{1,40}$/;
const BUDGET_MS = /^[0-9]{1,7}$/;

export interface ProbeRequest {
  readonly podUid: string;
  readonly checks: readonly ProberCheck[];
  readonly nonce: string;
  /** Milliseconds the client still waits for the reply. */
  readonly budgetMs: number;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: ProbeRequest }
  /** `counted` names the refusal for the prober's counters. */
  | { readonly ok: false; readonly counted: RefusalKind; readonly reason: string };

export const REFUSAL_KINDS = ['version', 'identity', 'malformed', 'check'] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

/** Parses one request line (without its newline). The pod identity is compared by the caller. */
export function parseRequest(line: string): ParsedRequest {
  const fields = line.split(' ');
  const [version = '', podUid = '', checks = '', nonce = '', budget] = fields;
  if (version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      counted: 'version',
      reason: `unknown protocol version ${JSON.stringify(version.slice(0, 20))}; this prober speaks ${PROTOCOL_VERSION}`,
    };
  }
  if (fields.length !== 5 || !POD_UID.test(podUid) || !NONCE.test(nonce) || !BUDGET_MS.test(budget ?? '')) {
    return { ok: false, counted: 'malformed', reason: `malformed ${PROTOCOL_VERSION} request` };
  }
  const names = checks.split(',');
  if (
    names.length === 0 ||
    names.length > PROBER_CHECKS.length ||
    names.some((name) => !PROBER_CHECKS.includes(name as ProberCheck))
  ) {
    return { ok: false, counted: 'check', reason: `unknown check in "${checks.slice(0, 100)}"` };
  }
  return {
    ok: true,
    request: { podUid, checks: names as ProberCheck[], nonce, budgetMs: Number(budget) },
  };
}

const head = (request: ProbeRequest): string =>
  `${PROTOCOL_VERSION} ${request.podUid} ${request.checks.join(',')} ${request.nonce}`;

export const readyReply = (nonce: string): string => `ready ${nonce}\n`;
export const refusedReply = (reason: string): string => `refused ${reason}\n`;

/** The verdict line; `reason` is already one line (core/probe.ts oneLine). */
export function formatVerdict(request: ProbeRequest, result: { ok: boolean; reason: string }): string {
  return result.ok ? `${head(request)} pass\n` : `${head(request)} fail ${result.reason}\n`;
}
