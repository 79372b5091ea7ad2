/**
 * Implementation output is untrusted (DESIGN.md): every text that reaches the HTML report
 * goes through `escapeHtml`, in element content and in attribute values alike (quotes are
 * escaped too), and characters XML cannot carry are replaced, so inline SVG stays valid.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
