// One end-to-end session: the packaged extension installed into a fresh
// code-server, the sample workspace open in headless Chromium.
import * as fs from 'fs';
import * as path from 'path';
import { writeQaTestModel } from '../support/qaModel';
import { launchChromium } from '../vscode/browser';
import { CodeServer, installExtension, makeScratchDirs, startCodeServer, writeMachineSettings } from '../vscode/codeServer';
import type { BrowserContext } from '../vscode/playwright';
import { copyFixtureWorkspace } from '../vscode/workspaceFixture';
import type { E2eOptions } from './options';
import { Workbench } from './workbench';

const EXTENSION_FOLDER_PREFIX = 'treeformer.treeformer-vscode-';

export interface E2eSession {
  workbench: Workbench;
  workspace: string;
  /** Which model answers; undefined when none can (the package has no model). */
  answersFrom: 'the packaged model' | 'the test model' | undefined;
  /** Folder of the installed extension. */
  installed: string;
  close(): Promise<void>;
}

export async function openSession(options: E2eOptions): Promise<E2eSession> {
  if (!fs.existsSync(options.vsix)) throw new Error(`${options.vsix} not found: run \`npm run package\` first`);
  const dirs = makeScratchDirs('treeformer-e2e-');
  installExtension(dirs, options.vsix);
  const installed = installedFolder(dirs.extensions);
  const packagedModel = fs.existsSync(path.join(installed, 'models', 'treeformer-qa.onnx'));
  let answersFrom: E2eSession['answersFrom'] = packagedModel ? 'the packaged model' : undefined;
  if (options.testModel) {
    const { modelPath } = writeQaTestModel(path.join(dirs.root, 'test-model'));
    writeMachineSettings(dirs, { 'treeformer.modelPath': modelPath });
    answersFrom = 'the test model';
  }
  const workspace = copyFixtureWorkspace(dirs.root);
  const log = fs.createWriteStream(path.join(dirs.root, 'code-server.log'));
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    log.end();
    if (options.keep) console.log(`  scratch folder kept: ${dirs.root}`);
    else fs.rmSync(dirs.root, { recursive: true, force: true });
  };
  try {
    server = await startCodeServer(dirs, (line) => log.write(`${line}\n`));
    browser = await launchChromium(path.join(dirs.root, 'browser'));
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => log.write(`[page error] ${error.message}\n`));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    const workbench = new Workbench(page);
    await workbench.ready();
    return { workbench, workspace, answersFrom, installed, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function installedFolder(extensionsDir: string): string {
  const folder = fs.readdirSync(extensionsDir).find((name) => name.startsWith(EXTENSION_FOLDER_PREFIX));
  if (!folder) throw new Error(`the extension was not installed into ${extensionsDir}`);
  return path.join(extensionsDir, folder);
}
