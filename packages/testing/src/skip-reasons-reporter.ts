import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Lists every skipped test at the end of a run, by its full name. Vitest's default output
 * only counts them ("17 tests | 2 skipped"); here each test that skips carries its reason in
 * its name ("... (skipped: DATABASE_URL is not set)"), so the list says why.
 */
export default class SkipReasonsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const module of testModules) {
      const file = path.relative(process.cwd(), module.moduleId);
      for (const test of module.children.allTests('skipped')) skipped.push(`  ${file} > ${test.fullName}`);
    }
    if (skipped.length === 0) return;
    process.stdout.write(
      `\nSkipped tests (${skipped.length}), each named with why:\n${skipped.join('\n')}\n`,
    );
  }
}
