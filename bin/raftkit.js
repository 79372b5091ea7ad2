#!/usr/bin/env node
// The raftkit command. In a checkout (src/ present) it runs the TypeScript sources through
// tsx's loader, so no build step is needed; an installed package runs the built dist/.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/src/cli/main.js');
}
