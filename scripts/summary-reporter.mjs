// A node:test reporter that writes one JSON object with the counts of the run,
// read by scripts/test.mjs to print the repository-wide closing line.
export default async function* summaryReporter(source) {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0, failures: [] };
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
      counts.fail++;
      counts.failures.push(`${d.file ?? ''} :: ${d.name}`);
    }
  }
  yield `${JSON.stringify(counts)}\n`;
}
