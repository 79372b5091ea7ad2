import { xmlEscape } from '../conformance/report.ts';

/**
 * Implementation output is untrusted (DESIGN.md): every text that reaches the HTML report
 * goes through `escapeHtml`, in element content and in attribute values alike, so inline
 * SVG stays valid XML. It is the XML escape of the other reports, plus the single quote.
 */
export function escapeHtml(text: string): string {
  return xmlEscape(text).replace(/'/g, '&#39;');
}
