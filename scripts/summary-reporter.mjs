// A node:test reporter that keeps the counts of the run, as one JSON object, in the file named by
// TEST_SUMMARY_FILE (set by scripts/run-tests.mjs, which adds the files of its runs up for
// scripts/test.mjs). The file is rewritten synchronously after every finished test, not once at the
// end: the runner passes --test-force-exit, which ends the process as soon as the event stream closes,
// before an asynchronous write (a reporter destination) would have been flushed. Prints nothing.
import { writeFileSync } from 'node:fs';

export default async function* summaryReporter(source) {
  const file = process.env.TEST_SUMMARY_FILE;
  if (!file) throw new Error('summary-reporter: TEST_SUMMARY_FILE is not set');
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0, failures: [] };
  writeFileSync(file, JSON.stringify(counts));
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    // Only leaf tests count; suites report their own pass/fail too.
    if (d.details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if (d.skip) counts.skip++;
      else if (d.todo) counts.todo++;
      else counts.pass++;
    } else {
      // A file that timed out or crashed fails as a test named after the file.
      counts.fail++;
      const timedOut = d.details?.error?.failureType === 'testTimeoutFailure';
      counts.failures.push(`${d.file ?? ''} :: ${d.name}${timedOut ? ` (${d.details.error.message})` : ''}`);
    }
    writeFileSync(file, JSON.stringify(counts));
  }
  yield ''; // nothing to print: the counts are in the file
}
