// Debian packages fetched with `apt-get download` under a private apt
// configuration (as custom-ops/scripts/fetch-ort-headers.sh does: the system's
// sources, lists, cache and dpkg status are never read or written) and
// unpacked with `dpkg -x` into <dir>/<package>/.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runOrThrow } from './run';

function privateAptOptions(work: string): string[] {
  const options: Record<string, string> = {
    'Dir::Etc::SourceList': path.join(work, 'corpus.sources'),
    'Dir::Etc::SourceParts': path.join(work, 'parts'),
    'Dir::Etc::Preferences': path.join(work, 'prefs', 'none'),
    'Dir::Etc::PreferencesParts': path.join(work, 'prefs'),
    'Dir::State::Lists': path.join(work, 'lists'),
    'Dir::Cache': path.join(work, 'cache'),
    'Dir::State::status': '/dev/null',
    'APT::Architecture': 'amd64',
    'APT::Sandbox::User': os.userInfo().username,
    'Debug::NoLocking': '1',
  };
  return Object.entries(options).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
}

/** Fetches and unpacks each package not already unpacked by a previous run. */
export function installDebCorpus(dir: string, packages: readonly string[], suite: string, log: (s: string) => void): void {
  const missing = packages.filter((p) => !fs.existsSync(path.join(dir, p, '.unpacked')));
  if (missing.length === 0) {
    log(`deb corpus: already unpacked in ${dir}`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-apt-'));
  try {
    for (const sub of ['lists/partial', 'cache/archives/partial', 'parts', 'prefs']) fs.mkdirSync(path.join(work, sub), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'corpus.sources'),
      `Types: deb\nURIs: http://deb.debian.org/debian\nSuites: ${suite}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
    );
    const apt = privateAptOptions(work);
    log(`deb corpus: apt-get update (private lists, suite ${suite})`);
    runOrThrow('apt-get', [...apt, '-qq', 'update']);
    log(`deb corpus: downloading ${missing.join(', ')}`);
    runOrThrow('apt-get', [...apt, '-qq', 'download', ...missing], { cwd: work });
    for (const p of missing) {
      const deb = fs.readdirSync(work).find((f) => f.startsWith(`${p}_`) && f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download left no ${p}_*.deb`);
      const into = path.join(dir, p);
      fs.rmSync(into, { recursive: true, force: true });
      fs.mkdirSync(into, { recursive: true });
      runOrThrow('dpkg', ['-x', path.join(work, deb), into]);
      fs.writeFileSync(path.join(into, '.unpacked'), deb + '\n');
      log(`deb corpus: unpacked ${deb}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
