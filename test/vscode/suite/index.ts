// Entry point VS Code loads as `extensionTestsPath`: runs every *.spec.js
// beside this file with mocha, inside the extension host.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { removeScratch } from './helpers';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, slow: 5_000 });
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.spec.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      removeScratch();
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
