// `npm run test:e2e`: installs the packaged .vsix into code-server and drives
// it through the UI in headless Chromium (test/e2e/ui.e2e.ts). Options: see
// options.ts. Needs `npm run package` first.
import * as path from 'path';
import Mocha from 'mocha';

const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 180_000, slow: 20_000 });
mocha.addFile(path.join(__dirname, 'ui.e2e.js'));
mocha.run((failures) => {
  process.exitCode = failures > 0 ? 1 : 0;
});
