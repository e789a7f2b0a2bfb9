/**
 * "Show the code": the Myelin TypeScript that trains the page's network again, on the same data, with the same seed.
 * It is built from recipe.ts's own text (imported raw): the declarations the program needs, picked by name, and then
 * the page's set-up as a Recipe. The page's worker runs those same declarations, so the two cannot drift apart. The
 * program's only TypeScript is type annotations: Node 22.18+ runs it as it is, and ts.transpileModule makes it
 * JavaScript.
 */
import recipeSource from './recipe.ts?raw';
import type { Point, Recipe } from './recipe.js';

/** A top-level declaration of recipe.ts: its name and its text (with the comment above it). */
interface Declaration {
  name: string;
  text: string;
}

const DECLARATION = /^(?:export )?(?:function|const|let|class|interface|type) ([A-Za-z_$][\w$]*)/;

/** recipe.ts cut into its import lines and its top-level declarations, in the file's order. */
function parse(source: string): { imports: string[]; declarations: Declaration[] } {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const starts: { line: number; name: string }[] = [];
  lines.forEach((l, i) => {
    const m = DECLARATION.exec(l);
    if (!m) return;
    // the comment right above a declaration belongs to it
    let first = i;
    while (first > 0 && /^(\/\*\*|\s\*|\/\/)/.test(lines[first - 1])) first--;
    starts.push({ line: first, name: m[1] });
  });
  const declarations = starts.map((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].line : lines.length;
    const text = lines.slice(s.line, end).join('\n').trimEnd().replace(/^export /m, '');
    return { name: s.name, text };
  });
  return { imports, declarations };
}

/** The identifiers a piece of code names, leaving out its comments and strings. */
function namesIn(code: string): Set<string> {
  const bare = code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''");
  return new Set(bare.match(/[A-Za-z_$][\w$]*/g) ?? []);
}

const recipeParts = parse(recipeSource);

function literal(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return String(v);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/**
 * The program for a set-up: `points` are the drawn points for the 'custom' dataset (ignored otherwise), `steps` how
 * many training steps it runs (the page's count when it has trained, so that the program ends where the page is).
 */
export function programFor(recipe: Recipe, points: readonly Point[], steps: number, notes: { editedWeights?: boolean } = {}): string {
  const fields = (Object.keys(recipe) as (keyof Recipe)[]).map((k) => `  ${k}: ${literal(recipe[k])},`);
  const data = recipe.dataset === 'custom'
    ? [
      'const points: Point[] = [',
      ...points.map((p) => `  { x1: ${round(p.x1)}, x2: ${round(p.x2)}, label: ${round(p.label)} },`),
      '];',
    ]
    : [`const points = ${recipe.dataset}(POINTS, recipe.noise, new Generator(recipe.seed));`];
  const main = [
    '// ---------------------------------------------------------------- this set-up',
    '',
    'const recipe: Recipe = {',
    ...fields,
    '};',
    ...data,
    'const run = startTraining(recipe, points);',
    'console.log(run.model.toString());',
    `const steps = ${steps};`,
    'for (let i = 0; i < steps; i++) trainStep(run);',
    'const train = evaluate(run.model, run.train, recipe.problem);',
    'const test = evaluate(run.model, run.test, recipe.problem);',
    'console.log(`after ${run.step} steps (${run.epoch} epochs): train loss ${train.loss.toFixed(4)}, test loss ${test.loss.toFixed(4)}`);',
    "if (test.accuracy !== null) console.log(`test accuracy ${(100 * test.accuracy).toFixed(1)}%`);",
  ].join('\n');

  // the declarations the set-up names, and those they name, in recipe.ts's order
  const byName = new Map(recipeParts.declarations.map((d) => [d.name, d]));
  const wanted = new Set<string>();
  const visit = (code: string): void => {
    for (const name of namesIn(code)) {
      const d = byName.get(name);
      if (d && !wanted.has(name)) {
        wanted.add(name);
        visit(d.text);
      }
    }
  };
  visit(main);
  const used = recipeParts.declarations.filter((d) => wanted.has(d.name)).map((d) => d.text);

  const header = [
    '// Myelin Lab, Playground: the network on the page as a program that trains it again, on the same data.',
    '// Save it as playground.ts in a project with Myelin installed and run it with Node 22.18 or later',
    '// (node playground.ts: Node removes the type annotations), or with npx tsx playground.ts.',
    '// Everything above "this set-up" is the code the page runs in its worker.',
    ...(notes.editedWeights ? ['// (The weights you set by hand on the page are not in this program.)'] : []),
  ];
  return [...header, '', ...recipeParts.imports, '', used.join('\n\n'), '', main, ''].join('\n');
}
