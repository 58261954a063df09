import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

// WCAG 2.0 and 2.1, levels A and AA: the rules axe-core tags with these.
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** One line per failing element: rule, impact, where, and what axe found there. */
export function violationLines(violations: Violation[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map((node) => {
      const found = (node.failureSummary ?? v.help).replace(/^Fix (any|all) of the following:\s*/, '');
      return `${v.id} (${v.impact ?? 'n/a'}) at ${node.target.join(' ')}: ${found.replace(/\s*\n\s*/g, '; ')}`;
    }),
  );
}

/**
 * Checks the page as it is now with axe-core, in the light and in the dark colour scheme (the
 * page follows the system's): any WCAG 2.1 AA violation fails the test, listed one per line.
 * A soft check: the test goes on, so one run names every state that fails.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
    expect.soft(violationLines(violations), `axe, WCAG 2.1 AA: ${state}, ${colorScheme} scheme`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
