// Step 1 of the pipeline: everything the corpora folder needs, installed
// without touching the project's package.json or the system's apt state.
import * as fs from 'fs';
import * as path from 'path';
import { installDebCorpus } from './debCorpus';
import { DEB_PACKAGES, DEBIAN_SUITE, NPM_PACKAGES } from './manifest';
import { installNpmCorpus } from './npmCorpus';
import { linkSitePackages } from './sitePackages';

export function fetchCorpora(corporaDir: string, log: (s: string) => void): void {
  fs.mkdirSync(corporaDir, { recursive: true });
  installNpmCorpus(path.join(corporaDir, 'npm'), NPM_PACKAGES, log);
  installDebCorpus(path.join(corporaDir, 'deb'), DEB_PACKAGES, DEBIAN_SUITE, log);
  linkSitePackages(path.join(corporaDir, 'site-packages'), log);
}
