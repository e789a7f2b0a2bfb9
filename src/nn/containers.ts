/** Containers: Sequential, ModuleList, ModuleDict. Children are stored as properties so Module finds them. */
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { keepsTensors, moduleFromConfig, registerLayer, type ModuleConfig } from './registry.js';
import { fusionPlan } from './fusion.js';
import { PassedResults } from '../memory/lifetime.js';

const RESERVED = new Set(['training', '_buffers']);

/** Runs its children in order, feeding each one's output to the next. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.append(m, i));
  }
  private append(m: Module, index: number): void {
    if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${index} is not a Module`);
    (this as unknown as Record<string, Module>)[String(index)] = m;
  }
  get length(): number {
    return this.children().length;
  }
  /** The i-th layer (negative counts from the end). */
  at(i: number): Module {
    const list = this.children();
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`Sequential: index ${i} is out of range for ${list.length} layers`);
    return m;
  }
  push(m: Module): this {
    this.append(m, this.length);
    return this;
  }
  /** Tensor in, tensor out (layers that pass other values between them still work; the type says the common case). */
  forward(x: Tensor): Tensor {
    // When no layer keeps a reference to what it is given or returns (as the built-in layers declare), the results
    // passed between layers are held by nothing but the graph's saved tensors: without gradients they are dead once
    // the next layer has run and are released at the end; with gradients, once the backward that reads them has run.
    // Either way their memory does not wait for the garbage collector.
    const passed = keepsTensors(this) ? null : new PassedResults();
    let out: unknown = x;
    const passOn = (): void => {
      if (passed && out instanceof Tensor) passed.passed(out);
    };
    // runs of layers that a fusion rule matches run as one call (see fusion.ts)
    for (const { layers, rule } of fusionPlan(this, this.children())) {
      if (rule && out instanceof Tensor) {
        passOn();
        out = rule.run(layers, out);
        continue;
      }
      for (const m of layers) {
        passOn();
        out = m.forward(out);
      }
    }
    if (passed && out instanceof Tensor) passed.finish(out);
    return out as Tensor;
  }
}
registerLayer(Sequential, {
  type: 'Sequential',
  config: (s) => ({ children: s.children().map((m) => m.config()) }),
  fromConfig: (c) => new Sequential(...((c.children as ModuleConfig[]) ?? []).map(moduleFromConfig)),
  children: 'list',
  keepsTensors: (s) => s.children().some(keepsTensors),
});

/** A list of modules whose parameters are registered (indexed '0', '1', ...); it has no forward of its own. */
export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    modules.forEach((m) => this.push(m));
  }
  get length(): number {
    return this.children().length;
  }
  at(i: number): Module {
    const list = this.children();
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`ModuleList: index ${i} is out of range for ${list.length} modules`);
    return m;
  }
  push(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError('ModuleList: can only hold Modules');
    (this as unknown as Record<string, Module>)[String(this.length)] = m;
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
  forward(): never {
    throw new Error('ModuleList: has no forward(); call its modules');
  }
}
registerLayer(ModuleList, {
  type: 'ModuleList',
  config: (l) => ({ children: l.children().map((m) => m.config()) }),
  fromConfig: (c) => new ModuleList(((c.children as ModuleConfig[]) ?? []).map(moduleFromConfig)),
  children: 'list',
});

/** Modules by name; names become state-dict prefixes. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  set(key: string, m: Module): this {
    if (RESERVED.has(key) || key in Module.prototype || key in ModuleDict.prototype) throw new Error(`ModuleDict: '${key}' is a reserved name`);
    if (key === '' || key.includes('.')) throw new Error(`ModuleDict: key '${key}' must be non-empty and contain no '.' (dots separate state-dict names)`);
    if (!(m instanceof Module)) throw new TypeError(`ModuleDict: value for '${key}' is not a Module`);
    (this as unknown as Record<string, Module>)[key] = m;
    return this;
  }
  /** Keys are names chosen by the user, kept as they are in state dicts (as PyTorch's ModuleDict). */
  protected override childName(key: string): string {
    return key;
  }
  get(key: string): Module {
    const m = (this as unknown as Record<string, unknown>)[key];
    if (!(m instanceof Module)) throw new Error(`ModuleDict: no module named '${key}'`);
    return m;
  }
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }
  forward(): never {
    throw new Error('ModuleDict: has no forward(); call its modules');
  }
}
registerLayer(ModuleDict, {
  type: 'ModuleDict',
  config: (d) => ({ children: Object.fromEntries(d.namedChildren().map(([k, m]) => [k, m.config()])) }),
  fromConfig: (c) => new ModuleDict(Object.fromEntries(Object.entries((c.children as Record<string, ModuleConfig>) ?? {}).map(([k, v]) => [k, moduleFromConfig(v)]))),
  children: 'named',
});
