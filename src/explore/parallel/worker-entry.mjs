// A worker thread of `raftkit check --workers N` starts here: the checker is TypeScript, run
// through tsx's loader (as bin/raftkit.js does), so the worker registers it first.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
