/**
 * Preloaded (`-r`) into the no-network child and, through execArgv, into its worker threads:
 * every way Node opens a connection or resolves a name throws, and says so on stderr, so that an
 * attempt is seen even where the caller swallows the error.
 */
import { isMainThread } from 'node:worker_threads';

// The modules themselves (what every other require gets), not an import's namespace copy.
/* eslint-disable @typescript-eslint/no-require-imports */
const dns = require('node:dns') as typeof import('node:dns');
const net = require('node:net') as typeof import('node:net');
const tls = require('node:tls') as typeof import('node:tls');

function refuse(what: string): () => never {
  return () => {
    process.stderr.write(`NETWORK: ${what} was called (${isMainThread ? 'main thread' : 'worker'})\n`);
    throw new Error(`network access refused in this test: ${what}`);
  };
}

const writable = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, configurable: true });
};
writable(net, 'connect', refuse('net.connect'));
writable(net, 'createConnection', refuse('net.createConnection'));
writable(net.Socket.prototype, 'connect', refuse('net.Socket.connect'));
writable(tls, 'connect', refuse('tls.connect'));
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'lookupService']) {
  writable(dns, name, refuse(`dns.${name}`));
  writable(dns.promises, name, refuse(`dns.promises.${name}`));
}
writable(globalThis, 'fetch', refuse('fetch'));
