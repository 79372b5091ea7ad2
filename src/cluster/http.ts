/**
 * A loopback HTTP request with a hard deadline. Status reads must never hang a run: a node
 * may accept the TCP connection and not answer (etcd does, until it has published itself
 * through Raft), and a signal composed with `AbortSignal.any` did not reliably abort such a
 * request here (a run waited for undici's 300 s header timeout). So each request gets its
 * own controller and timer, linked to the caller's signal by hand.
 */
export async function httpJson(
  url: string,
  signal: AbortSignal,
  options: { readonly method?: 'GET' | 'POST'; readonly body?: string; readonly timeoutMs?: number } = {},
): Promise<{ ok: boolean; status: number; body: unknown }> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, options.timeoutMs ?? 1000);
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      body: options.body,
      signal: controller.signal,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    return { ok: response.ok, status: response.status, body };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

/** `http://127.0.0.1:<port><path>`: cluster mode talks to loopback only. */
export function loopbackUrl(port: number, path: string): string {
  return `http://127.0.0.1:${port}${path}`;
}

/** How long a client write may take before the kit gives up on it (× the time scale). */
export const SUBMIT_TIMEOUT_MS = 10_000;

/**
 * `POST <url>?value=v` with `{"value":"v"}` also as body (the node reads whichever is
 * easier): the write of the external contract and of the reference node.
 */
export function postValue(url: string, value: string, signal: AbortSignal, timeoutMs = SUBMIT_TIMEOUT_MS) {
  return httpJson(`${url}?value=${encodeURIComponent(value)}`, signal, {
    method: 'POST',
    body: JSON.stringify({ value }),
    timeoutMs,
  });
}
