// Preloaded with `node --import` into each test process of suite 41
// (tests/suites/41-asan-runtime.sh). Child processes that a runtime test
// spawns inherit this environment: they keep every AddressSanitizer and UBSan
// check but not leak detection, because they end on purpose with payloads
// still owned (scenario 7: process.exit(), which tears nothing down, and a
// payload that a native thread holds forever), so what they leave behind is
// the test's design, not a leak. The test processes themselves keep leak
// detection on.
import process from 'node:process';

const opts = process.env.ASAN_OPTIONS;
if (opts !== undefined) {
  process.env.ASAN_OPTIONS = opts.replace(/detect_leaks=1/g, 'detect_leaks=0');
}
