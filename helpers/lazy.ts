// The protocol client libraries load on a check's first use, not when its suite file is imported: a
// run imports every suite file to select checks (-t, --grep), and pg, ioredis, kafkajs, undici and dns2
// cost ~0.1 s of CPU each in every worker that imports them (pnpm bench startup). They are CommonJS
// packages, so require() keeps the clients' constructors synchronous; it returns the same module
// object an `import` of the package would.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `name`'s module, required on the first call. */
export function lazy<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(name) as T);
}
