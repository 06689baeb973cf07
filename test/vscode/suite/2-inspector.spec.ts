// The attention inspector: the real webview renders what the host sends and
// reports back what it drew (the page's DOM, not the host's intent).
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/extension/context';
import type { RenderReport, WebviewToHost } from '../../../src/extension/inspectorProtocol';
import { closeAllEditors, extensionApi, nextEvent, resetUserSettings, setUserSetting, testModel, workspaceRoot } from './helpers';

function nextRender(accept: (r: RenderReport) => boolean): Promise<RenderReport> {
  return extensionApi().then(async (api) => {
    const message = await nextEvent<WebviewToHost>(api.onDidReceiveInspectorMessage, (m) => m.type === 'rendered' && accept(m.report), 45_000);
    return (message as { type: 'rendered'; report: RenderReport }).report;
  });
}

/**
 * Opens a fixture in the first editor group with the inspector open beside
 * it (so it stays visible), and focuses the fixture for the ask.
 */
async function openBesideInspector(relative: string): Promise<void> {
  await closeAllEditors();
  const document = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), relative));
  await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const opened = nextRender(() => true);
  await vscode.commands.executeCommand('treeformer.showInspector');
  await opened;
  await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

/** Asks about the active file and closes the answers without picking. */
async function askCurrentFile(question: string): Promise<AskOutcome> {
  const api = await extensionApi();
  const shown = nextEvent(api.onDidShowAnswers);
  const outcome = vscode.commands.executeCommand<AskOutcome | undefined>('treeformer.askCurrentFile', question);
  await shown;
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  const result = await outcome;
  assert.ok(result?.trace, 'the answer came with an attention trace');
  return result;
}

/** What the page must report for `trace` with the first cell selected. */
function expectedReport(outcome: AskOutcome): RenderReport {
  const trace = outcome.trace!;
  const leaf = trace.leafIds[0][0][0];
  const documentLeaves = trace.leafIds[0][0].slice(trace.questionTokens.length);
  return {
    questionTokens: trace.questionTokens.length,
    leafCells: trace.questionTokens.length * trace.layers * trace.heads,
    selection: '0/0/0',
    sharedTokens: leaf < 0 ? 0 : documentLeaves.filter((l) => l === leaf).length,
    documentText: trace.documentTokens.map((t) => t.text).join('').slice(0, 20_000),
    scripts: 0,
    foreignElements: 0,
  };
}

describe('attention inspector', () => {
  before(async () => {
    await setUserSetting('modelPath', testModel());
  });

  after(async () => {
    await resetUserSettings();
    await closeAllEditors();
  });

  it('opens before any question and says what to do', async () => {
    const rendered = nextRender(() => true);
    await vscode.commands.executeCommand('treeformer.showInspector');
    const report = await rendered;
    assert.deepStrictEqual(report, { questionTokens: 0, leafCells: 0, selection: '', sharedTokens: 0, documentText: '', scripts: 0, foreignElements: 0 });
  });

  it('follows each new question while it is open: leaves per layer and head, and the text sharing them', async () => {
    await openBesideInspector('src/cache.js');
    const rendered = nextRender((r) => r.questionTokens > 0);
    const outcome = await askCurrentFile('LruCache evicts the oldest entry');
    assert.deepStrictEqual(await rendered, expectedReport(outcome));
  });

  it('shows HTML and <script> in a document as text, never as markup', async () => {
    await openBesideInspector('web/page.html');
    const rendered = nextRender((r) => r.documentText.includes('<script>'));
    const outcome = await askCurrentFile('script status heading entries');
    const report = await rendered;
    assert.ok(report.documentText.includes('<script>'), 'the script tag is shown literally');
    assert.ok(report.documentText.includes('onerror="document.body.appendChild'), 'the handler is shown literally');
    assert.deepStrictEqual(report, expectedReport(outcome), 'no element, script or not, came from the document');
  });

  it('draws the last question again when reopened', async () => {
    await closeAllEditors();
    const rendered = nextRender((r) => r.questionTokens > 0);
    await vscode.commands.executeCommand('treeformer.showInspector');
    const report = await rendered;
    assert.ok(report.documentText.includes('<script>'), 'the last question was about page.html');
  });
});
