// Where the test tools live: the project's own node_modules first, then the
// folder named by TREEFORMER_TEST_TOOLS (a scratch `npm install --prefix`),
// so the runners work before and after the tools become devDependencies.
import * as fs from 'fs';
import * as path from 'path';

/** The repository root (this file compiles to out/test/vscode/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const TOOLS_ENV = 'TREEFORMER_TEST_TOOLS';

/** Resolves `request` (e.g. "code-server/package.json") from the project, then from the tools folder. */
export function resolveTool(request: string): string {
  const bases = [REPO_ROOT, process.env[TOOLS_ENV]].filter((b): b is string => !!b);
  for (const base of bases) {
    try {
      return require.resolve(request, { paths: [base] });
    } catch {
      // not installed there
    }
  }
  throw new Error(
    `cannot find ${request}: install the test tools into the project (npm install) or set ${TOOLS_ENV} to a folder holding them in node_modules`,
  );
}

/** Loads a tool's module the same way. */
export function requireTool<T>(request: string): T {
  return require(resolveTool(request)) as T;
}

/** code-server's Node entry point. */
export function codeServerEntry(): string {
  return path.join(path.dirname(resolveTool('code-server/package.json')), 'out', 'node', 'entry.js');
}

/** The Chromium to drive: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string {
  const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(candidate)) {
    throw new Error(`Chromium not found at ${candidate}: install Debian's chromium package or set CHROMIUM_PATH`);
  }
  return candidate;
}
