// `npm run serve`: code-server on 127.0.0.1 with the packaged extension
// installed and a copy of the sample workspace open, to try it in a browser.
//
//   node out/test/vscode/serve.js [--port 8080] [--vsix <file>]
//
// Stops (and removes its scratch folder) on Ctrl-C.
import * as fs from 'fs';
import * as path from 'path';
import { installExtension, makeScratchDirs, startCodeServer } from './codeServer';
import { REPO_ROOT } from './tools';
import { copyFixtureWorkspace } from './workspaceFixture';

async function main(): Promise<void> {
  const port = Number(optionValue('--port') ?? 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a TCP port, got ${optionValue('--port')}`);
  const vsix = path.resolve(optionValue('--vsix') ?? path.join(REPO_ROOT, 'treeformer-vscode.vsix'));
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} not found: run \`npm run package\` first`);
  const dirs = makeScratchDirs('treeformer-serve-');
  installExtension(dirs, vsix);
  const workspace = copyFixtureWorkspace(dirs.root);
  const server = await startCodeServer(dirs, (line) => console.log(line), port);
  console.log(`\nTreeformer in VS Code: ${server.url}/?folder=${encodeURIComponent(workspace)}\n(Ctrl-C stops it)`);
  const stop = async () => {
    await server.stop();
    fs.rmSync(dirs.root, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function optionValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
