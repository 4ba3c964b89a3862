// Loads each addon named on the command line and calls it; one line each:
//   LOADED path: hello() = "...", add(2, 3) = 5
//   ERROR path: message
// Used by tests/suites/67-windows-runtime.sh under Deno on Wine.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
for (const f of args) {
  try {
    const m = require(path.resolve(f)); // Windows: /tmp/x is Z:\tmp\x
    console.log(`LOADED ${f}: hello() = ${JSON.stringify(m.hello())}` +
      (m.add ? `, add(2, 3) = ${m.add(2, 3)}` : ''));
  } catch (e) {
    console.log(`ERROR ${f}: ${e.message}`);
  }
}
