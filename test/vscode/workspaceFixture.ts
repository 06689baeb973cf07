// A private copy of the sample workspace (test/fixtures/workspace), so tests
// may edit it and every run starts from the committed files.
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './tools';

export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');

export function copyFixtureWorkspace(scratchRoot: string): string {
  const target = path.join(scratchRoot, 'workspace');
  fs.cpSync(FIXTURE_WORKSPACE, target, { recursive: true });
  return target;
}
