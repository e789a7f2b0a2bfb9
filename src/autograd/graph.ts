/** Reading a recorded graph: printing it from a tensor back to its leaves, with each node's op and attributes. */
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradNode } from './engine.js';

/**
 * An op attribute's value as one short line (a backend by its name, arrays in brackets), as formatGraph prints it;
 * for tools that draw the graph themselves.
 */
export function formatAttr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatAttr).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    if ('name' in v && typeof v.name === 'string') return v.name;
    return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${formatAttr(x)}`).join(', ')} }`;
  }
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function formatNode(node: GradNode): string {
  const attrs = node.attrs ? Object.entries(node.attrs) : [];
  return attrs.length ? `${node.name} ${formatAttr(node.attrs)}` : node.name;
}

/**
 * The graph behind t, one node a line and its inputs indented below it: the op's name and attributes, leaves by
 * shape and dtype, inputs that need no gradient as "-". A node reached again is printed once and then referred to
 * by its number.
 */
export function formatGraph(t: Tensor): string {
  const root = t.gradFn;
  if (!root) return t.requiresGrad ? `leaf ${shapeStr(t.shape)} ${t.dtype}` : `${shapeStr(t.shape)} ${t.dtype} (no graph)`;
  const seen = new Map<GradNode, number>();
  const lines: string[] = [];
  const visit = (node: GradNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const again = seen.get(node);
    if (again !== undefined) {
      lines.push(`${pad}(#${again} ${node.name})`);
      return;
    }
    seen.set(node, seen.size + 1);
    lines.push(`${pad}#${seen.size} ${formatNode(node)}`);
    node.edges.forEach((e, i) => {
      if (!e) lines.push(`${pad}  - ${shapeStr(node.inputShapes[i])}`);
      else if ('leaf' in e) lines.push(`${pad}  leaf ${shapeStr(e.leaf.shape)} ${e.leaf.dtype}`);
      else visit(e.node, depth + 1);
    });
  };
  visit(root, 0);
  return lines.join('\n');
}

/** Every node reachable from t's gradFn (t's own first), each once. */
export function graphNodes(t: Tensor): GradNode[] {
  const out: GradNode[] = [];
  const seen = new Set<GradNode>();
  const stack = t.gradFn ? [t.gradFn] : [];
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    out.push(node);
    for (const e of node.edges) if (e && 'node' in e) stack.push(e.node);
  }
  return out;
}
