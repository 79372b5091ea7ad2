import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/**
 * The HTML report opened in a real browser: headless Chromium from Debian (`chromium`,
 * installed by .ci/run) driven by playwright-core with `executablePath` (no browser
 * download). The failure list, a sequence diagram and the failed transition of the
 * statechart must be visible; the test writes a screenshot to reports/html-report.png.
 */

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const dir = mkdtempSync(join(tmpdir(), 'raftkit-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in Chromium', () => {
  it('shows the failure list, a diagram and the highlighted transition', async () => {
    const out = join(dir, 'r');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main([
      'conform',
      '--mutant',
      'vote-without-log-check',
      '--filter',
      'curated',
      '--report',
      'html',
      '--out',
      out,
      '--no-progress',
    ]);
    vi.restoreAllMocks();
    expect(code).toBe(1);

    // A fresh profile directory of its own (removed with the temp dir).
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 1600 },
    });
    try {
      const page = await browser.newPage();
      // Self-contained: any request other than the file itself fails the test.
      const requests: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url());
      });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await expect.poll(() => page.locator('#failures li.failure-link').count()).toBeGreaterThan(0);
      expect(await page.locator('#failures').isVisible()).toBe(true);

      const first = page.locator('section.failure').first();
      await first.scrollIntoViewIfNeeded();
      expect(await first.locator('svg.sequence').isVisible()).toBe(true);
      expect(await first.locator('svg.sequence line.msg').count()).toBeGreaterThan(0);
      expect(await first.locator('svg.sequence .failure-mark').isVisible()).toBe(true);

      // The failed transition: an edge of class "failed" or a label line in the failure colour.
      const failed = first.locator('.statechart svg').locator('g.failed, text[fill="#d11f1f"]').first();
      await failed.scrollIntoViewIfNeeded();
      expect(await failed.isVisible()).toBe(true);
      expect(requests).toEqual([]);

      const shots = resolve('reports');
      mkdirSync(shots, { recursive: true });
      await page.goto(`${pathToFileURL(join(out, 'report.html')).href}#${await first.getAttribute('id')}`);
      await page.screenshot({ path: join(shots, 'html-report.png'), fullPage: false });
      expect(existsSync(join(shots, 'html-report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
