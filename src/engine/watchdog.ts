/**
 * The client's watchdog: while requests are pending, it reads which request the worker is on
 * (`Control.Current`) and how many steps it has run (`Control.Steps`) every tick, and calls
 * `onLate` once the worker has made no progress (no new request, no new step) for longer than
 * the request may take (its time budget plus a margin; a load, its own deadline). A worker that
 * is slow but stepping (a loaded machine) is never late.
 */
export interface WatchdogProbe {
  /** The request the worker works on (0 between requests) and its step count; undefined when there is no worker. */
  current(): { id: number; steps: number } | undefined;
  /** How long the worker may spend on request `id` (0: between requests). */
  allowedMs(id: number): number;
  onLate(id: number, allowedMs: number): void;
}

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private watched = { id: -1, steps: -1, since: 0 };

  constructor(
    private readonly tickMs: number,
    private readonly probe: WatchdogProbe,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    // The watchdog never keeps a process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched = { id: -1, steps: -1, since: 0 };
  }

  private tick(): void {
    const current = this.probe.current();
    if (current === undefined) return this.stop();
    const now = Date.now();
    if (current.id !== this.watched.id || current.steps !== this.watched.steps) {
      this.watched = { ...current, since: now };
      return;
    }
    const allowed = this.probe.allowedMs(current.id);
    if (now - this.watched.since <= allowed) return;
    this.stop();
    this.probe.onLate(current.id, allowed);
  }
}
