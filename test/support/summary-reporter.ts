// vitest reporter for CI: writes the run's outcome to the JSON file named by
// OTAP_TEST_SUMMARY - counts, each failed test, each test file that failed to load or run,
// and every unhandled error - so that .ci/run can print why a run failed even when no test
// did (vitest exits 1 on unhandled errors, e.g. a worker RPC timeout).
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export interface TestSummary {
  reason: TestRunEndReason;
  passed: number;
  failed: number;
  skipped: number;
  failures: { test: string; message: string }[];
  moduleErrors: { module: string; message: string }[];
  unhandledErrors: { message: string; stack: string }[];
}

const firstLines = (text: string | undefined, n: number): string => (text ?? '').split('\n').slice(0, n).join('\n');

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const file = process.env.OTAP_TEST_SUMMARY;
    if (!file) return;
    const summary: TestSummary = { reason, passed: 0, failed: 0, skipped: 0, failures: [], moduleErrors: [], unhandledErrors: [] };
    for (const m of modules) {
      const name = relative(process.cwd(), m.moduleId);
      for (const e of m.errors()) summary.moduleErrors.push({ module: name, message: firstLines(e.message, 3) });
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === 'passed') summary.passed++;
        else if (r.state === 'failed') {
          summary.failed++;
          summary.failures.push({ test: `${name} > ${t.fullName}`, message: firstLines(r.errors?.[0]?.message, 3) });
        } else summary.skipped++;
      }
    }
    for (const e of unhandledErrors) {
      // The stack's first line repeats the message.
      summary.unhandledErrors.push({ message: firstLines(`${e.name ?? 'Error'}: ${e.message}`, 3), stack: firstLines(e.stack?.split('\n').slice(1).join('\n'), 3) });
    }
    writeFileSync(file, JSON.stringify(summary, null, 2));
  }
}
