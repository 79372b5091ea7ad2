import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../models/index.ts';
import { propertiesTableMarkdown } from '../../src/explore/report.ts';

/** docs/checking.md shows the property registry as it is, not as it was. */
describe('docs/checking.md', () => {
  it('embeds the properties table generated from the registry', () => {
    const doc = readFileSync(new URL('../../docs/checking.md', import.meta.url), 'utf8');
    expect(doc).toContain(propertiesTableMarkdown(PROPERTIES));
  });
});
