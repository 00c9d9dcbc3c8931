// The CLI from source, for scripts and the browser tests: `node --import tsx scripts/cli.ts <args>`.
import { main } from '../src/cli/main.js';

main(['node', 'truenorth', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
