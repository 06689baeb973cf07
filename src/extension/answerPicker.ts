// The ranked answers as a quick pick; resolves with the chosen one.
import * as vscode from 'vscode';
import type { Answer } from '../engine/types';
import { presentAnswer } from './answerItems';

interface AnswerItem extends vscode.QuickPickItem {
  answer: Answer;
}

export function pickAnswer(
  question: string,
  answers: readonly Answer[],
  displayPath: (file: string) => string,
  onShown: () => void,
): Promise<Answer | undefined> {
  const pick = vscode.window.createQuickPick<AnswerItem>();
  pick.title = `Treeformer: ${answers.length} answer${answers.length === 1 ? '' : 's'} to "${question}"`;
  pick.placeholder = 'Choose an answer to open it';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = answers.map((answer) => ({ ...presentAnswer(answer, displayPath), answer }));
  return new Promise((resolve) => {
    let chosen: Answer | undefined;
    pick.onDidAccept(() => {
      chosen = pick.selectedItems[0]?.answer;
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(chosen);
    });
    pick.show();
    onShown();
  });
}
