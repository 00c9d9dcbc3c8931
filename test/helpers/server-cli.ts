// Runs the CLI from source (spawned by the server tests: `node --import tsx test/helpers/server-cli.ts serve ...`).
import { main } from '../../src/cli/main.js';

main(['node', 'truenorth', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
