/**
 * The engine in a child process (`hearth.engine.isolation: "process"`): the client's side of
 * engineProcess.ts. The protocol is the worker's; the control block lives in the child, so
 * cancellation slots travel as messages and the child reports its progress (request, steps,
 * inside onnxruntime or not) as it changes. Ending a child process is always safe for the
 * extension host, inside onnxruntime too: a stuck or crashed engine is simply killed and replaced.
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as os from 'node:os';
import { type ClientMessage, Control, STOP_ALL, type WorkerMemory } from '../shared/protocol';
import { type CarriedSlots, type EngineHandle, exitedWithin, type HandleEvents, type ProcessCommand, type ProcessReport } from './engineHandle';

export class ProcessHandle implements EngineHandle {
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exit: Promise<void>;
  private last = { id: 0, steps: 0, native: false };
  private readonly memoryWaiters: { resolve(usage: WorkerMemory): void; reject(error: Error): void }[] = [];

  constructor(processPath: string, workerPath: string, events: HandleEvents, carry: CarriedSlots) {
    this.child = fork(processPath, [workerPath, String(carry.latest), String(carry.cancelledUpTo), String(carry.allCancelledUpTo)], {
      // Typed arrays and nested objects as the worker thread gets them (structured clone).
      serialization: 'advanced',
      // Not the host's flags (a test runner's loaders, an inspector port).
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // In VS Code the host's executable is Electron's: run it as Node (what language clients do too).
      // Not MALLOC_MMAP_THRESHOLD_ by default: it bounds what glibc keeps, but mapping every large
      // block anew made keystrokes ~1.5x slower (docs/reliability.md); the user's environment may set it.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let markExited!: (code: number) => void;
    this.exit = new Promise((resolve) => {
      markExited = (code) => {
        if (this.exited) return;
        this.exited = true;
        for (const waiter of this.memoryWaiters.splice(0)) waiter.reject(new Error(`The engine process ended (exit code ${code}).`));
        resolve();
        events.onExit(code);
      };
    });
    this.child.once('exit', (code, signal) => markExited(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
    this.child.on('error', (error) => {
      events.onError(error);
      // It never started (no such file, no memory): there will be no 'exit'.
      if (this.child.pid === undefined) markExited(-1);
    });
    // What a native fault prints (onnxruntime's or the runtime's own) reaches the log.
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => events.onError(new Error(`engine process: ${text.trim()}`)));
    this.child.on('message', (report: ProcessReport) => {
      switch (report.kind) {
        case 'message':
          return events.onMessage(report.message);
        case 'progress':
          this.last = { id: report.id, steps: report.steps, native: report.native };
          return;
        case 'memory':
          return this.memoryWaiters.shift()?.resolve(report.usage);
        case 'error':
          return events.onError(new Error(report.message));
      }
    });
  }

  get insideNative(): boolean {
    return this.last.native;
  }

  /** A child process can be ended at any time without harm to the host. */
  get unsafeToStop(): boolean {
    return false;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  progress(): { id: number; steps: number } {
    return { id: this.last.id, steps: this.last.steps };
  }

  setSlot(slot: number, value: number): void {
    this.send({ kind: 'slot', slot, value });
  }

  post(message: ClientMessage): void {
    this.send({ kind: 'post', message });
  }

  memory(): Promise<WorkerMemory> {
    return new Promise((resolve, reject) => {
      this.memoryWaiters.push({ resolve, reject });
      this.send({ kind: 'memory' });
    });
  }

  cancelAll(): void {
    this.setSlot(Control.AllCancelledUpTo, STOP_ALL);
  }

  terminateIfSafe(): boolean {
    if (!this.exited) this.child.kill('SIGKILL');
    return true;
  }

  /** Asks the child to stop its worker after the current step and exit; kills it after `graceMs` (and the child's own wait for onnxruntime) if it has not. */
  async stop(graceMs: number, nativeWaitMs: number): Promise<'exited' | 'terminated' | 'stuck-native'> {
    if (this.exited) return 'exited';
    this.send({ kind: 'stop', graceMs, nativeWaitMs: 0 });
    if (await exitedWithin(this.exit, () => this.exited, graceMs + Math.min(nativeWaitMs, 1000))) return 'exited';
    this.child.kill('SIGKILL');
    await this.exit;
    return 'terminated';
  }

  private send(command: ProcessCommand): void {
    // A child that has gone is reported by 'exit'; what was sent to it is moot.
    if (this.child.connected) this.child.send(command, undefined, undefined, () => undefined);
  }
}
