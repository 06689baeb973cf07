// The Python environment's site-packages (the pyenv's on the development
// machine), linked into the corpus folder. Only site-packages: the standard
// library beside it is reserved for evaluation (DESIGN §7).
import { spawnSync } from 'child_process';
import * as fs from 'fs';

/** The first site-packages folder `python3` on PATH reports, or undefined. */
export function findSitePackages(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import json, site; print(json.dumps(site.getsitepackages()))'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return undefined;
  const dirs = JSON.parse(r.stdout) as string[];
  return dirs.find((d) => /[/\\]site-packages$/.test(d) && fs.existsSync(d));
}

/** Points `link` at the site-packages found; says so and returns false when there are none. */
export function linkSitePackages(link: string, log: (s: string) => void): boolean {
  const found = findSitePackages();
  if (!found) {
    log('site-packages: no python3 site-packages found on this machine; skipping that part of the python source');
    return false;
  }
  fs.rmSync(link, { force: true, recursive: false });
  fs.symlinkSync(found, link, 'dir');
  log(`site-packages: linked ${link} -> ${found}`);
  return true;
}
