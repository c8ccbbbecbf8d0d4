import { type Lab, sleep } from './lab.ts';
import { type Alert, alerts, owners, servedBy } from './observe.ts';
import { partition } from './runtime.ts';
import { type Report, servedByAnother } from './scenario-kit.ts';
import { restoreLab, runTour, TourStopped } from './tour.ts';
import { renderView, type ViewMode } from './view.ts';

/** With no key pressed for this long after the view appears, the guided tour starts by itself. */
export const TOUR_IDLE_MS = 15_000;
const EVENTS_SHOWN = 10;

export type KeyAction =
  | 'kill-app'
  | 'restore'
  | 'kill-keepalived'
  | 'cut-link'
  | 'partition'
  | 'cycle-view'
  | 'next'
  | 'tour'
  | 'quit';

/** The legend and the dispatch, from one table. */
export const KEYS: readonly { readonly key: string; readonly action: KeyAction; readonly help: string }[] = [
  { key: 'k', action: 'kill-app', help: 'kill the app on the selected VIP’s master (or host)' },
  { key: 'x', action: 'kill-keepalived', help: 'SIGKILL keepalived there (its VRRP child resigns)' },
  { key: 'c', action: 'cut-link', help: 'cut its network link, as a node that dies' },
  { key: 'r', action: 'restore', help: 'restore every app, keepalived and link, heal' },
  { key: 'p', action: 'partition', help: 'partition / heal' },
  { key: 'v', action: 'cycle-view', help: 'VIPs ↔ hosts' },
  { key: 'n', action: 'next', help: 'select the next one' },
  { key: 't', action: 'tour', help: 'guided tour' },
  { key: 'q', action: 'quit', help: 'quit, removing everything' },
];

export function actionFor(key: string): KeyAction | undefined {
  if (key === '\u0003') return 'quit';
  if (key === '\t') return 'next';
  return KEYS.find((entry) => entry.key === key)?.action;
}

export const legend = (keys: boolean) =>
  keys
    ? KEYS.map((entry) => `${entry.key} ${entry.help}`).join(' · ')
    : 'no terminal on stdin: keys are off; the tour runs by itself';

const clock = () => new Date().toISOString().slice(11, 19);

/**
 * `npm run lab`: the live screen, refreshed every second, acting on keys. Each action is an event
 * on screen, and so is what follows: a VIP that moves, timed from the action to the first request
 * the new owner answered, and each alert that fires or resolves. The tour starts after
 * TOUR_IDLE_MS without a key, and any key stops it.
 */
export async function liveView(lab: Lab, quit: () => Promise<void>, stopping: () => boolean): Promise<void> {
  const started = Date.now();
  const events: string[] = [];
  const narration: string[] = [];
  const event = (text: string) => {
    events.push(`${clock()} ${text}`);
    if (events.length > 50) events.splice(0, events.length - 50);
  };
  let mode: ViewMode = 'vips';
  let selected = 0;
  let partitioned = false;
  let lastKey = Date.now();
  let tour: AbortController | undefined;
  let toured = false;
  let busy = false;

  const selectedName = () =>
    mode === 'hosts'
      ? (lab.hosts[selected % lab.hosts.length]?.host.name ?? '')
      : (lab.vips[selected % lab.vips.length] ?? '');

  /** The host k and x act on: the selected host, or the holder of the selected VIP; and the VIPs it holds. */
  const selection = async (): Promise<{ host: string; vips: string[] } | undefined> => {
    const held = await lab.owners();
    const host =
      mode === 'hosts' ? selectedName() : (held.get(selectedName())?.[0] ?? (await servedBy(selectedName())));
    if (!host) return undefined;
    return { host, vips: [...held].filter(([, hosts]) => hosts.includes(host)).map(([vip]) => vip) };
  };

  /** Times each VIP the action should move, from the action to the first request another host answers. */
  const timeMoves = (from: string, vips: readonly string[], since: number) => {
    for (const vip of vips)
      void servedByAnother(vip, from).then((to) =>
        event(
          to === undefined
            ? `${vip} is still not served by another host 20 s after the action`
            : `${vip} moved ${from} → ${to} in ${Date.now() - since} ms (action → first answer from ${to})`,
        ),
      );
  };

  const act = async (action: KeyAction) => {
    switch (action) {
      case 'quit':
        if (process.stdin.isTTY) process.stdin.setRawMode(false);
        return quit();
      case 'cycle-view':
        mode = mode === 'vips' ? 'hosts' : 'vips';
        selected = 0;
        return;
      case 'next':
        selected += 1;
        return;
      case 'tour':
        return startTour();
      case 'partition': {
        partitioned = !partitioned;
        event(
          partitioned
            ? 'partition: VRRP between the hosts dropped (split brain follows)'
            : 'partition healed',
        );
        await partition(lab.top, partitioned);
        return;
      }
      case 'restore':
        event('restoring every app, keepalived and link');
        await restoreLab(lab, partitioned);
        partitioned = false;
        return;
      case 'cut-link': {
        const target = await selection();
        if (!target) return event('nobody holds the selected VIP: no link to cut');
        const since = Date.now();
        event(`cutting the link of ${target.host} (holds ${target.vips.join(', ') || 'no VIP'})`);
        await lab.host(target.host).setLink(false);
        timeMoves(target.host, target.vips, since);
        return;
      }
      case 'kill-app':
      case 'kill-keepalived': {
        const target = await selection();
        if (!target) return event('nobody holds the selected VIP: nothing to kill');
        const host = lab.host(target.host);
        const since = Date.now();
        if (action === 'kill-app') {
          event(`killing the app on ${target.host} (holds ${target.vips.join(', ') || 'no VIP'})`);
          await host.stopApp();
        } else {
          event(`SIGKILL keepalived on ${target.host} (holds ${target.vips.join(', ') || 'no VIP'})`);
          await host.stopKeepalived('SIGKILL');
        }
        timeMoves(target.host, target.vips, since);
        return;
      }
    }
  };

  const tourReport: Report = {
    step: (text) => {
      narration.push(text);
      event(`tour: ${text.split(':')[0]}`);
    },
    line: (text) => event(text),
    expect: (ok, what) => event(`${ok ? 'ok' : 'FAIL'} ${what}`),
  };

  function startTour() {
    if (tour) return;
    toured = true;
    tour = new AbortController();
    const signal = tour.signal;
    narration.length = 0;
    void runTour(lab, tourReport, signal)
      .catch(async (error: unknown) => {
        if (error instanceof TourStopped) {
          narration.push('tour stopped by a key; the lab is restored. Press t to start it again.');
          await restoreLab(lab, false);
        } else narration.push(`tour failed: ${(error as Error).message}`);
      })
      .finally(() => {
        tour = undefined;
      });
  }

  const keys = process.stdin.isTTY === true;
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', (chunk: Buffer) => {
      lastKey = Date.now();
      if (tour) {
        tour.abort();
        return;
      }
      for (const key of chunk.toString('utf8')) {
        const action = actionFor(key);
        if (!action || busy) continue;
        busy = true;
        void act(action)
          .catch((error: unknown) => event(`${action} failed: ${(error as Error).message}`))
          .finally(() => {
            busy = false;
          });
      }
    });
  }

  let firing = new Set<string>();
  let previousOwners = new Map<string, string[]>();
  while (!stopping()) {
    if (!toured && Date.now() - lastKey >= TOUR_IDLE_MS) startTour();
    const views = await lab.views();
    const current: Alert[] | undefined = await alerts();
    const now = new Set(
      (current ?? [])
        .filter((alert) => alert.state === 'firing')
        .map((alert) => `${alert.name} ${alert.labels.vrrp_instance ?? alert.labels.node ?? ''}`.trim()),
    );
    for (const alert of now) if (!firing.has(alert)) event(`alert ${alert} firing`);
    for (const alert of firing) if (!now.has(alert)) event(`alert ${alert} resolved`);
    firing = now;
    const owned = owners(views);
    for (const [vip, hosts] of owned) {
      const before = previousOwners.get(vip);
      if (before && before.join('+') !== hosts.join('+'))
        event(
          `${vip}: ${before.join(' + ') || 'nobody'} → ${hosts.join(' + ') || 'nobody'} (on the interfaces)`,
        );
    }
    previousOwners = owned;
    const screen = renderView(views, current, started, {
      mode,
      selected: selectedName(),
      events: events.slice(-EVENTS_SHOWN),
      narration: narration.slice(-2),
      legend: legend(keys),
      tourIn: toured ? undefined : Math.max(0, Math.ceil((TOUR_IDLE_MS - (Date.now() - lastKey)) / 1000)),
    });
    if (!stopping()) process.stdout.write(`\x1b[H\x1b[2J${screen}\n`);
    await sleep(1000);
  }
}
