#!/usr/bin/env node
// The published entry point. raftkit is written in TypeScript and run through tsx's
// loader, so the command works straight from a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
