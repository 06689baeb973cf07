// The same extension-host suite in desktop VS Code, through
// @vscode/test-electron, where VS Code can be downloaded (not on the offline
// CI machine: there `npm run test:vscode` runs it in code-server).
//
//   node out/test/vscode/runInElectron.js [--version 1.100.3]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, requireTool } from './tools';
import { copyFixtureWorkspace } from './workspaceFixture';

interface TestElectron {
  runTests(options: { version?: string; extensionDevelopmentPath: string; extensionTestsPath: string; launchArgs: string[] }): Promise<number>;
}

async function main(): Promise<number> {
  const at = process.argv.indexOf('--version');
  const version = at >= 0 ? process.argv[at + 1] : '1.100.3';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-electron-test-'));
  try {
    const { runTests } = requireTool<TestElectron>('@vscode/test-electron');
    return await runTests({
      version,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'vscode', 'suite', 'index.js'),
      launchArgs: [copyFixtureWorkspace(scratch), '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(scratch, 'user-data')}`],
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
