/** Completions paused for a while from the status bar menu; typing goes on undisturbed until then. */
export class Snooze {
  private until = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pauses automatic completions for `minutes`, from now. */
  start(minutes: number): void {
    this.until = this.now() + minutes * 60_000;
  }

  stop(): void {
    this.until = 0;
  }

  get active(): boolean {
    return this.now() < this.until;
  }

  /** Milliseconds left, 0 when not snoozed. */
  get remainingMs(): number {
    return Math.max(0, this.until - this.now());
  }
}
