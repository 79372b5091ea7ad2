import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * For the tests of the Go adapters (conformance/adapters/*): whether they can be built here,
 * and a step adapter spoken to by hand over stdio (conformance/PROTOCOL.md).
 */

/** Go is installed and every Debian GOPATH package named (e.g. github.com/hashicorp/raft) is there. */
export function haveGo(...packages: string[]): boolean {
  if (!packages.every((p) => existsSync(join('/usr/share/gocode/src', p)))) return false;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ProtocolSession<Reply> {
  /** Send one request (its `id` added) and wait for the next reply line. */
  send(request: Record<string, unknown>): Promise<Reply>;
  stop(): void;
}

/** Start an adapter binary; replies come one line per request, in order (no pipelining here). */
export function speakProtocol<Reply>(binary: string): ProtocolSession<Reply> {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((reply: Reply) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Reply));
  let id = 0;
  return {
    send: (request) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${JSON.stringify({ id: ++id, ...request })}\n`);
      }),
    stop: () => child.kill('SIGKILL'),
  };
}
