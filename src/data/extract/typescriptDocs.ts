// JSDoc-documented declarations of a TypeScript file (.d.ts), found with the
// TypeScript compiler API (typescript@5, the project's own dev dependency).
import * as ts from 'typescript';
import { LineIndex } from '../../engine/lines';
import { answerSpan, DocumentedDeclaration } from './declaration';

type NamedDeclaration = ts.Node & { name?: ts.Node };

/** Where the declaration's body opens ('{'), for the header of a long declaration. */
function bodyOpen(node: ts.Node, sf: ts.SourceFile): number | undefined {
  if (ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) {
    return node.members.pos - 1;
  }
  if (ts.isModuleDeclaration(node)) {
    let body = node.body;
    while (body && ts.isModuleDeclaration(body)) body = body.body;
    return body ? body.getStart(sf) : undefined;
  }
  if (ts.isTypeAliasDeclaration(node) && ts.isTypeLiteralNode(node.type)) return node.type.getStart(sf);
  return undefined;
}

/** The declared identifier, or undefined for anonymous, computed or quoted names. */
function declaredName(node: ts.Node): string | undefined {
  if (ts.isVariableStatement(node)) {
    const list = node.declarationList.declarations;
    return list.length === 1 && ts.isIdentifier(list[0].name) ? list[0].name.text : undefined;
  }
  const name = (node as NamedDeclaration).name;
  return name && ts.isIdentifier(name) ? name.text : undefined;
}

function isMember(node: ts.Node): boolean {
  return (
    ts.isMethodSignature(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isPropertySignature(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isEnumMember(node)
  );
}

function isDocumentable(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodSignature(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isPropertySignature(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isClassDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isEnumMember(node) ||
    ts.isModuleDeclaration(node) ||
    ts.isVariableStatement(node)
  );
}

/** A JSDoc comment's text: without '/**', '*\/' and the leading '*' of each line. */
export function jsDocText(comment: string): string {
  const body = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

function lastJsDoc(node: ts.Node): ts.JSDoc | undefined {
  const target = ts.isVariableStatement(node) ? node.declarationList.declarations[0] : node;
  if (!target) return undefined;
  const docs = ts.getJSDocCommentsAndTags(target).filter(ts.isJSDoc);
  return docs[docs.length - 1];
}

export function extractTypescriptDeclarations(text: string, fileName: string): DocumentedDeclaration[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = new LineIndex(text);
  const found: DocumentedDeclaration[] = [];
  const visit = (node: ts.Node): void => {
    if (isDocumentable(node)) {
      const name = declaredName(node);
      const jsDoc = name === undefined ? undefined : lastJsDoc(node);
      const doc = jsDoc && lines.wholeLines({ start: jsDoc.getStart(sf), end: jsDoc.end });
      if (name !== undefined && jsDoc && doc) {
        found.push({
          name,
          member: isMember(node),
          doc,
          docText: jsDocText(text.slice(jsDoc.getStart(sf), jsDoc.end)),
          decl: answerSpan(lines, node.getStart(sf), node.end, bodyOpen(node, sf)),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
