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
