import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';
import { SLICE_OWNERS } from '../../../src/workflows/engine/slices.ts';

const SLICES_FILE = join('src', 'workflows', 'engine', 'slices.ts');
const ENGINE = join('src', 'workflows', 'engine');

/** Array methods that change the array they are called on. */
const MUTATORS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);

export function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** What an expression writes: the property or element it assigns, changes or deletes, or null. */
function writtenTarget(node: ts.Node): ts.Expression | null {
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment ? node.left : null;
  }
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
  )
    return node.operand;
  if (ts.isDeleteExpression(node)) return node.expression;
  if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    MUTATORS.has(node.expression.name.text)
  )
    return node.expression.expression;
  return null;
}

/**
 * The slice interface (of SLICE_OWNERS) that declares the property `target` names, or null. A local
 * name is followed to what it was set to (`const changes = this.ledger.mutations; changes.push(…)`).
 */
function sliceOf(checker: ts.TypeChecker, root: string, target: ts.Expression, depth = 0): string | null {
  let expression = target;
  while (ts.isElementAccessExpression(expression) || ts.isParenthesizedExpression(expression))
    expression = expression.expression;
  if (ts.isIdentifier(expression) && depth < 3) {
    const declaration = checker.getSymbolAtLocation(expression)?.valueDeclaration;
    return declaration && ts.isVariableDeclaration(declaration) && declaration.initializer
      ? sliceOf(checker, root, declaration.initializer, depth + 1)
      : null;
  }
  if (!ts.isPropertyAccessExpression(expression)) return null;
  for (const declaration of checker.getSymbolAtLocation(expression.name)?.declarations ?? []) {
    const owner = declaration.parent;
    if (
      ts.isInterfaceDeclaration(owner) &&
      owner.name.text in SLICE_OWNERS &&
      relative(root, owner.getSourceFile().fileName) === SLICES_FILE
    )
      return owner.name.text;
  }
  return null;
}

export interface SliceWrite {
  file: string;
  line: number;
  text: string;
  slice: string;
  owner: string;
}

/**
 * Every write, in `files`, to a field of an engine slice (or of a record a slice holds), with the
 * file that owns it: resolved by the type checker, so an alias (`const o = …; o.x = 1`) counts and a
 * field of the same name on another type does not.
 */
export function sliceWrites(root: string, files: string[]): SliceWrite[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const writes: SliceWrite[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const visit = (node: ts.Node): void => {
      const target = writtenTarget(node);
      const slice = target && sliceOf(checker, root, target);
      if (target && slice)
        writes.push({
          file: relative(root, file),
          line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
          text: target.getText(source),
          slice,
          owner: join(ENGINE, SLICE_OWNERS[slice as keyof typeof SLICE_OWNERS]),
        });
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return writes;
}

/** The writes made outside the file that owns the slice, as `file:line text (Slice belongs to owner)`. */
export const foreignWrites = (writes: SliceWrite[]) =>
  writes
    .filter((w) => w.file !== w.owner)
    .map((w) => `${w.file}:${w.line} ${w.text} (${w.slice} belongs to ${basename(w.owner)})`);
