// Command-line options of the end-to-end run (test/e2e/run.ts).
//
//   --vsix <file>   the package to install (default: treeformer-vscode.vsix in the repository root)
//   --test-model    answer with the engine's small test model (test/support/qaModel.ts)
//                   instead of the packaged one, e.g. before the trained model exists
//   --keep          keep the scratch folder (code-server logs, workspace copy)
import * as path from 'path';
import { REPO_ROOT } from '../vscode/tools';

export interface E2eOptions {
  vsix: string;
  testModel: boolean;
  keep: boolean;
  screenshots: string;
}

export function e2eOptions(argv = process.argv): E2eOptions {
  const at = argv.indexOf('--vsix');
  return {
    vsix: path.resolve(at >= 0 ? argv[at + 1] : path.join(REPO_ROOT, 'treeformer-vscode.vsix')),
    testModel: argv.includes('--test-model'),
    keep: argv.includes('--keep'),
    screenshots: path.join(REPO_ROOT, 'test-results', 'screenshots'),
  };
}
