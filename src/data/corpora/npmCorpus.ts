// npm packages installed into the corpus folder (never the project's own
// node_modules or package.json), without running their install scripts.
import * as fs from 'fs';
import * as path from 'path';
import { runOrThrow } from './run';

/** Installs `packages` into <dir>/node_modules unless a previous run completed. */
export function installNpmCorpus(dir: string, packages: readonly string[], log: (s: string) => void): void {
  const stamp = path.join(dir, '.installed');
  const wanted = packages.join('\n');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
    log(`npm corpus: already installed in ${dir}`);
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  // A package.json of its own keeps npm from treating an enclosing project as the root.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'treeformer-corpus', private: true }) + '\n');
  log(`npm corpus: installing ${packages.length} packages into ${dir}`);
  runOrThrow('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ...packages], {
    cwd: dir,
  });
  fs.writeFileSync(stamp, wanted);
}
