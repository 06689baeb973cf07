// Activation: the API, the contributed commands, the declared stance on
// untrusted workspaces and the machine-scoped paths.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { extensionApi, packageJson } from './helpers';

interface ContributedCommand {
  command: string;
  category?: string;
}

describe('activation', () => {
  it('activates and returns its API with the model not loaded yet', async () => {
    const api = await extensionApi();
    const status = api.status();
    assert.strictEqual(status.engine, 'idle');
    assert.match(status.text, /Treeformer/);
  });

  it('registers every command it contributes, all under the Treeformer category', async () => {
    await extensionApi();
    const contributed = packageJson().contributes.commands as ContributedCommand[];
    const ids = contributed.map((c) => c.command);
    for (const id of ['treeformer.askCurrentFile', 'treeformer.askWorkspace', 'treeformer.showInspector', 'treeformer.rebuildIndex']) {
      assert.ok(ids.includes(id), `${id} is contributed`);
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const command of contributed) {
      assert.ok(registered.has(command.command), `${command.command} is registered`);
      assert.strictEqual(command.category, 'Treeformer');
    }
  });

  it('declares limited support for untrusted workspaces', () => {
    const stance = packageJson().capabilities.untrustedWorkspaces;
    assert.strictEqual(stance.supported, 'limited');
    assert.ok(String(stance.description).length > 0);
  });

  it('scopes the model and native-library paths to the machine', () => {
    const properties = packageJson().contributes.configuration.properties;
    assert.strictEqual(properties['treeformer.modelPath'].scope, 'machine');
    assert.strictEqual(properties['treeformer.nativeDir'].scope, 'machine');
  });
});
