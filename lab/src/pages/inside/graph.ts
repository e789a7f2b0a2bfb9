/**
 * The autograd graph of one loss as a diagram: the nodes formatGraph(loss) prints (ops with their attributes), the
 * parameters they read (named as in namedParameters(), with their shapes) and the inputs that need no gradient, laid
 * out in rows from the loss down to the leaves, each arrow pointing from an op to one of its inputs (the way
 * backward() walks) and labelled with the shape of what flows along it.
 */
import { formatAttr, type GradNode, type Module, type Tensor } from 'myelin';

export interface GraphTexts {
  /** second line of a parameter box */
  parameter: (shape: string, count: string) => string;
  /** first line of an input that needs no gradient */
  noGrad: string;
  /** first line of a leaf that is not a parameter (an input with requiresGrad) */
  leaf: string;
  /** the diagram's accessible name */
  label: (ops: number, params: number) => string;
}

type Kind = 'op' | 'param' | 'data';

interface Box {
  kind: Kind;
  /** the first line, in bold */
  title: string;
  lines: string[];
  /** inputs: box index and the shape flowing from it */
  inputs: { box: number; shape: readonly number[] }[];
  depth: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GraphSummary {
  /** op nodes (the numbered lines of formatGraph) */
  ops: number;
  /** parameter boxes */
  params: number;
}

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The boxes of loss's graph, in the order formatGraph numbers its nodes (depth first, inputs in order). */
function collect(loss: Tensor, model: Module, texts: GraphTexts, locale: string): Box[] {
  const names = new Map<Tensor, string>(model.namedParameters().map(([name, p]) => [p, name]));
  const boxes: Box[] = [];
  const ofNode = new Map<GradNode, number>();
  const ofLeaf = new Map<Tensor, number>();
  const add = (kind: Kind, title: string, lines: string[]): number =>
    boxes.push({ kind, title, lines, inputs: [], depth: 0, x: 0, y: 0, w: 0, h: 0 }) - 1;
  const visit = (node: GradNode): number => {
    const known = ofNode.get(node);
    if (known !== undefined) return known;
    const attrs = Object.entries(node.attrs ?? {}).map(([k, v]) => `${k}: ${formatAttr(v)}`);
    const id = add('op', node.name, attrs);
    ofNode.set(node, id);
    node.edges.forEach((e, i) => {
      const shape = node.inputShapes[i];
      let to: number;
      if (!e) to = add('data', texts.noGrad, [shapeText(shape)]);
      else if ('node' in e) to = visit(e.node);
      else {
        const leaf = e.leaf;
        const seen = ofLeaf.get(leaf);
        const name = names.get(leaf);
        const count = leaf.shape.reduce((a, b) => a * b, 1).toLocaleString(locale);
        to = seen ?? (name !== undefined
          ? add('param', name, [texts.parameter(shapeText(leaf.shape), count)])
          : add('data', texts.leaf, [shapeText(leaf.shape)]));
        ofLeaf.set(leaf, to);
      }
      boxes[id].inputs.push({ box: to, shape });
    });
    return id;
  };
  if (loss.gradFn) visit(loss.gradFn);
  return boxes;
}

const FONT = 14, SMALL = 13, LINE = 18, PAD = 8, GAP_X = 14, GAP_Y = 46;
const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

/** Rows by the longest path from the loss; each input placed under its op (the first one straight below). */
function layout(boxes: Box[]): { width: number; height: number } {
  const measure = document.createElement('canvas').getContext('2d')!;
  for (const b of boxes) {
    measure.font = `bold ${FONT}px ${MONO}`;
    let w = measure.measureText(b.title).width;
    measure.font = `${SMALL}px ${MONO}`;
    for (const l of b.lines) w = Math.max(w, measure.measureText(l).width);
    b.w = Math.ceil(w) + 2 * PAD;
    b.h = (1 + b.lines.length) * LINE + PAD;
  }
  // boxes come depth first from the root, so every op precedes its inputs: one pass gives the longest paths
  for (const b of boxes) for (const { box } of b.inputs) boxes[box].depth = Math.max(boxes[box].depth, b.depth + 1);
  const rows: number[][] = [];
  const placed = new Set<number>();
  const queue = boxes.length ? [0] : [];
  rows[0] = queue.slice();
  placed.add(0);
  // breadth first, so a row lists its boxes in the order of their ops' positions in the row above
  for (let q = 0; q < queue.length; q++) {
    for (const { box } of boxes[queue[q]].inputs) {
      if (placed.has(box)) continue;
      placed.add(box);
      queue.push(box);
      (rows[boxes[box].depth] ??= []).push(box);
    }
  }
  let y = PAD, width = 0;
  for (const row of rows) {
    if (!row) continue;
    let right = -Infinity;
    const rowH = Math.max(...row.map((i) => boxes[i].h));
    for (const i of row) {
      const b = boxes[i];
      // under the nearest op that reads it, after the boxes already in this row
      let parent: Box | null = null;
      for (const p of boxes) if (p.inputs.some((e) => e.box === i) && (!parent || p.depth > parent.depth)) parent = p;
      b.x = Math.max(parent ? parent.x : PAD, right + GAP_X);
      b.y = y;
      right = b.x + b.w;
      width = Math.max(width, right + PAD);
    }
    y += rowH + GAP_Y;
  }
  return { width, height: y - GAP_Y + PAD };
}

const SVG = 'http://www.w3.org/2000/svg';
function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draws loss's graph into `host` (replacing what was there); returns what it drew. */
export function drawGraph(host: HTMLElement, loss: Tensor, model: Module, texts: GraphTexts, locale: string): GraphSummary {
  const boxes = collect(loss, model, texts, locale);
  const { width, height } = layout(boxes);
  const summary = { ops: boxes.filter((b) => b.kind === 'op').length, params: boxes.filter((b) => b.kind === 'param').length };
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'graph' });
  svg.setAttribute('aria-label', texts.label(summary.ops, summary.params));
  const defs = el('defs', {});
  const marker = el('marker', { id: 'inside-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }));
  defs.append(marker);
  svg.append(defs);
  for (const b of boxes) {
    for (const { box, shape } of b.inputs) {
      const c = boxes[box];
      const cx = c.x + c.w / 2;
      const sx = Math.min(Math.max(cx, b.x + 12), b.x + b.w - 12);
      const y1 = b.y + b.h, y2 = c.y - 2;
      svg.append(el('line', { x1: sx, y1, x2: cx, y2, class: 'edge', 'marker-end': 'url(#inside-arrow)' }));
      svg.append(el('text', { x: (sx + cx) / 2 + 6, y: (y1 + y2) / 2 + 4, class: 'edge-shape' }, shapeText(shape)));
    }
  }
  for (const b of boxes) {
    const g = el('g', { class: `node ${b.kind}` });
    g.append(el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: b.kind === 'op' ? 4 : 12 }));
    g.append(el('text', { x: b.x + PAD, y: b.y + LINE, class: 'title' }, b.title));
    b.lines.forEach((l, k) => g.append(el('text', { x: b.x + PAD, y: b.y + LINE * (k + 2), class: 'line' }, l)));
    svg.append(g);
  }
  host.replaceChildren(svg);
  return summary;
}
