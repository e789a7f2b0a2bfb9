/**
 * Every page of the Lab, in both languages, from the static build (served from a sub-folder, as a static host may)
 * and from the dev server: it loads with no console error or uncaught exception, window.lab reports it in the right
 * language, the accessibility check (axe-core) finds no serious or critical violation, it fits a phone's width
 * without scrolling sideways, and screenshots are saved (test-artifacts/lab/<page>-<lang>.png, <page>-phone.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  buildAndServe, LANGS, openLab, screenshot, seriousA11yViolations, skipWithoutChromium, startDevServer, waitForState,
  type LabSite,
} from './harness.js';

describe('the Lab, static build', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  let pages: string[] = [];
  before(async () => {
    site = await buildAndServe('lab');
    const first = await openLab(site, '', 'en');
    pages = await first.page.evaluate(() => (globalThis as unknown as { lab: { pages(): string[] } }).lab.pages());
    await first.close();
  });
  after(() => site?.close());

  test('has pages', () => {
    assert.ok(pages.length >= 1, 'window.lab.pages() lists the pages');
  });

  test('every page fits a phone (390 px wide) without scrolling sideways', async (t) => {
    for (const id of pages) {
      const lab = await openLab(site, id, 'en', { width: 390, height: 844 });
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const [scrollWidth, innerWidth] = await lab.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        t.diagnostic(`${id}: ${await screenshot(lab.page, `${id}-phone`)}`);
        assert.ok(scrollWidth <= innerWidth + 1, `${id}: the page is ${scrollWidth} px wide on a ${innerWidth} px phone`);
      } finally {
        await lab.close();
      }
    }
  });

  for (const lang of LANGS) {
    test(`every page loads in ${lang} with no error, passes the accessibility check, and is photographed`, async (t) => {
      for (const id of pages) {
        const lab = await openLab(site, id, lang);
        try {
          const s = await waitForState(lab.page, (x) => x.page === id, 20_000);
          assert.equal(s.lang, lang, `${id}: the language follows the browser's`);
          const htmlLang = await lab.page.evaluate(() => document.documentElement.lang);
          assert.equal(htmlLang, lang, `${id}: <html lang>`);
          // let the page start (workers, first frames) before judging it
          await new Promise((r) => setTimeout(r, 1500));
          const serious = await seriousA11yViolations(lab.page);
          assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `${id} (${lang}): accessibility`);
          t.diagnostic(`${id} (${lang}): ${await screenshot(lab.page, `${id}-${lang}`)}`);
          assert.deepEqual(lab.errors, [], `${id} (${lang}): console errors`);
        } finally {
          await lab.close();
        }
      }
    });
  }
});

describe('the Lab, dev server (npm run lab)', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  before(async () => {
    site = await startDevServer();
  });
  after(() => site?.close());

  test('every page loads with no error and is cross-origin isolated (threads)', async () => {
    const first = await openLab(site, '', 'en');
    const pages = await first.page.evaluate(() => (globalThis as unknown as { lab: { pages(): string[] } }).lab.pages());
    const isolated = await first.page.evaluate(() => globalThis.crossOriginIsolated);
    await first.close();
    assert.equal(isolated, true, 'the dev server sends COOP/COEP');
    for (const id of pages) {
      const lab = await openLab(site, id, 'nl');
      try {
        await waitForState(lab.page, (x) => x.page === id && x.lang === 'nl', 20_000);
        await new Promise((r) => setTimeout(r, 1000));
        assert.deepEqual(lab.errors, [], `${id}: console errors`);
      } finally {
        await lab.close();
      }
    }
  });
});
