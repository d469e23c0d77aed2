// Prints the outcome of a vitest run from the file test/support/summary-reporter.ts wrote:
// the counts line, then every failed test, test file error and unhandled error, so that a
// non-zero exit is never left unexplained. Usage: node .ci/test-summary.mjs SUMMARY EXIT_CODE
import { existsSync, readFileSync } from 'node:fs';

const [file, exitCode] = process.argv.slice(2);
const status = Number(exitCode);
if (!file || !existsSync(file)) {
  console.log(`no test summary: vitest ended (exit ${status}) before reporting; see its output above`);
  process.exit(0);
}
const s = JSON.parse(readFileSync(file, 'utf8'));
const indent = (text) => text.split('\n').map((l) => `    ${l}`).join('\n');
console.log(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${s.unhandledErrors.length ? `, ${s.unhandledErrors.length} unhandled errors` : ''}`);
for (const f of s.failures) console.log(`  FAILED ${f.test}\n${indent(f.message)}`);
for (const m of s.moduleErrors) console.log(`  FILE ERROR ${m.module}\n${indent(m.message)}`);
for (const e of s.unhandledErrors) {
  console.log(`  UNHANDLED ${e.message}${e.stack ? `\n${indent(e.stack)}` : ''}`);
  if (/Timeout calling/.test(e.message)) {
    console.log('    (a test blocked its vitest worker for over 60 s: the "[event-loop]" lines in the output name it; see test/support/event-loop.ts)');
  }
}
if (status !== 0 && !s.failed && !s.moduleErrors.length && !s.unhandledErrors.length) {
  console.log(`  vitest exited ${status} (run ${s.reason}) without failed tests or unhandled errors: see its output above`);
}
