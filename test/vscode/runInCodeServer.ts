// `npm run test:vscode`: runs the extension-host suite (test/vscode/suite)
// inside a real VS Code 1.100 — code-server, opened in headless Chromium — with
// this repository as the extension under development (DESIGN §10).
//
//   node out/test/vscode/runInCodeServer.js [--extension <dir>] [--keep]
//
// --extension: the extension folder to load (default: the repository root);
// --keep: leave the scratch folder (logs, settings, workspace copy) behind.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import { launchChromium } from './browser';
import { makeScratchDirs, startCodeServer } from './codeServer';
import { REPO_ROOT } from './tools';
import { copyFixtureWorkspace } from './workspaceFixture';

const RUN_TIMEOUT_MS = 20 * 60_000;

async function main(): Promise<number> {
  const extensionDir = path.resolve(optionValue('--extension') ?? REPO_ROOT);
  const suite = path.join(extensionDir, 'out', 'test', 'vscode', 'suite', 'index.js');
  for (const required of [path.join(extensionDir, 'dist', 'extension.js'), suite]) {
    if (!fs.existsSync(required)) throw new Error(`${required} is missing: run \`npm run build\` first`);
  }
  const dirs = makeScratchDirs('treeformer-vscode-test-');
  const serverLog = fs.createWriteStream(path.join(dirs.root, 'code-server.log'));
  const workspace = copyFixtureWorkspace(dirs.root);
  const server = await startCodeServer(dirs, (line) => serverLog.write(`${line}\n`));
  const browser = await launchChromium(path.join(dirs.root, 'browser'));
  let code = 1;
  try {
    const page = await browser.newPage();
    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (status: number) => reportExit(status));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => printLog(type, args));
    page.on('pageerror', (error) => serverLog.write(`[page error] ${error.message}\n`));
    const remote = (p: string) => `vscode-remote://${server.host}:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extensionDir)],
      ['extensionTestsPath', remote(suite)],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    code = await withTimeout(exitCode, RUN_TIMEOUT_MS, `the extension-host suite did not finish within ${RUN_TIMEOUT_MS / 60_000} minutes`);
    if (code !== 0) console.error(`extension-host suite failed (exit ${code}); code-server log: ${path.join(dirs.root, 'code-server.log')}`);
    return code;
  } finally {
    await browser.close();
    await server.stop();
    serverLog.end();
    if (process.argv.includes('--keep') || code !== 0) console.error(`scratch folder kept: ${dirs.root}`);
    else fs.rmSync(dirs.root, { recursive: true, force: true });
  }
}

/** The workbench forwards the extension host's console here; mocha's report is among it. */
function printLog(type: string, args: unknown[]): void {
  // the arguments of a console call: a format string first, as console.log takes them
  const text = util.format(...(Array.isArray(args) ? args : [args]));
  if (type === 'error') console.error(text);
  else console.log(text);
}

function optionValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exit(1);
  },
);
