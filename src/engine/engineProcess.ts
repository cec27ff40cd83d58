/**
 * Entry point of the engine's child process (bundled to dist/engineProcess.js), for
 * `hearth.engine.isolation: "process"`. It hosts the very worker thread the extension host would
 * (worker.ts, with its own control block) and relays: the client's messages and cancellation
 * slots in, the worker's answers and progress out. A native fault in onnxruntime then ends this
 * process, not the editor's extension host, and the client can always end it with a signal.
 *
 * argv: the worker's path, then the carried slots (latest, cancelledUpTo, allCancelledUpTo).
 */
import type { ProcessCommand, ProcessReport } from './engineHandle';
import { WorkerHandle } from './workerHandle';

/** How often the worker's progress (its request, steps and whether it is inside onnxruntime) is checked and, when it changed, sent. */
const PROGRESS_MS = 20;

const sendRaw = process.send?.bind(process);
if (!sendRaw) throw new Error('engineProcess.ts runs as a child process with an IPC channel only.');
// A closed channel (the client has gone) is handled by 'disconnect' below.
const send = (report: ProcessReport): void => {
  if (process.connected) sendRaw(report, undefined, undefined, () => undefined);
};

const [workerPath, latest, cancelledUpTo, allCancelledUpTo] = process.argv.slice(2);
if (!workerPath) throw new Error('engineProcess.ts: the worker path is missing.');
const handle = new WorkerHandle(
  workerPath,
  {
    onMessage: (message) => send({ kind: 'message', message }),
    onError: (error) => send({ kind: 'error', message: error.stack ?? error.message }),
    onExit: (code) => process.exit(code),
  },
  { latest: Number(latest ?? 0), cancelledUpTo: Number(cancelledUpTo ?? 0), allCancelledUpTo: Number(allCancelledUpTo ?? 0) },
);

let last = '';
const progress = setInterval(() => {
  const { id, steps } = handle.progress();
  const native = handle.insideNative;
  const key = `${id}/${steps}/${native}`;
  if (key === last) return;
  last = key;
  send({ kind: 'progress', id, steps, native });
}, PROGRESS_MS);
progress.unref();

let stopping = false;
function stop(graceMs: number, nativeWaitMs: number): void {
  if (stopping) return;
  stopping = true;
  void handle.stop(graceMs, nativeWaitMs).then((how) => process.exit(how === 'stuck-native' ? 3 : 0));
}

process.on('message', (command: ProcessCommand) => {
  switch (command.kind) {
    case 'post':
      return handle.post(command.message);
    case 'slot':
      return handle.setSlot(command.slot, command.value);
    case 'memory':
      return void handle.memory().then((usage) => send({ kind: 'memory', usage }));
    case 'stop':
      return stop(command.graceMs, command.nativeWaitMs);
  }
});

// The extension host has gone (closed, crashed, killed): stop the worker between two steps and end.
process.on('disconnect', () => stop(0, 5000));
