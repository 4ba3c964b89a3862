// A node:test reporter for the suite scripts: one line per test case
// ("ok: name" / "FAIL: name" with the error, "skip: name (reason)"), no
// lines for suites (describe blocks) or files, and a last line
// "N passed, N failed[, N skipped]".
export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  for await (const event of source) {
    if (event.type === 'test:stderr') {
      // What a test file wrote to stderr (a crash, a load error).
      yield `  stderr: ${String(event.data.message).trimEnd()}\n`;
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data.details?.type === 'suite') continue;
    // A file that failed to load or crashed is reported as a test named
    // after the file: count it as a failure, never as a pass.
    const name = data.name;
    if (data.skip !== undefined && data.skip !== false) {
      skipped++;
      yield `skip: ${name} (${data.skip === true ? 'skipped' : data.skip})\n`;
    } else if (data.todo !== undefined && data.todo !== false) {
      failed++;
      yield `FAIL: ${name} (todo)\n`;
    } else if (event.type === 'test:pass') {
      passed++;
      yield `ok: ${name}\n`;
    } else {
      failed++;
      const err = data.details?.error;
      const cause = err?.cause ?? err;
      const msg = String(cause?.stack ?? cause?.message ?? cause)
        .split('\n').slice(0, 6).join('\n    ');
      yield `FAIL: ${name}\n    ${msg}\n`;
    }
  }
  yield `${passed} passed, ${failed} failed` +
    (skipped ? `, ${skipped} skipped` : '') + '\n';
}
