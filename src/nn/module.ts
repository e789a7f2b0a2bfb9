/**
 * Module: the base of every layer and model, like PyTorch's nn.Module. Parameters and sub-modules are registered by
 * assignment: any own property holding a Parameter is a parameter, any holding a Module is a child, found by
 * reflection in property order. Buffers (state that is saved but not trained, e.g. BatchNorm's running mean) are
 * declared with registerBuffer. State-dict keys use PyTorch's snake_case names (`running_mean`, `fc1.weight`), so
 * weights move between PyTorch and Myelin unchanged.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/engine.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { inheritedDeclaration, moduleTypeName, type ModuleConfig } from './registry.js';

// the registry's functions stay importable from here, where they used to live
export { registerModule, registerLayer, moduleFromConfig, type ModuleConfig, type LayerDeclaration } from './registry.js';

/** A trainable tensor: a leaf that requires grad and that Module registers as a parameter. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.contiguous().storage, data.shape, undefined, data.isContiguous() ? data.offset : 0);
    this.requiresGrad = requiresGrad;
  }
}

/** camelCase -> snake_case, the PyTorch spelling of state-dict names (runningMean -> running_mean). */
export function stateName(property: string): string {
  return property.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export type StateDict = Map<string, Tensor>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** True in training mode (the default); eval() switches Dropout and BatchNorm to inference behaviour. */
  training = true;
  private readonly _buffers = new Set<string>();

  abstract forward(...inputs: unknown[]): unknown;

  /** Declares `name` as a buffer: saved in stateDict, not returned by parameters(). */
  protected registerBuffer(name: string, value: Tensor | null): void {
    this._buffers.add(name);
    (this as unknown as Record<string, Tensor | null>)[name] = value;
  }

  /** Direct children with their property names (Sequential/ModuleList use "0", "1", ...). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
    }
    return out;
  }

  /** The name of the child held in property `key` in state dicts and reprs: PyTorch's snake_case spelling. */
  protected childName(key: string): string {
    return stateName(key);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all descendants, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${this.childName(name)}` : this.childName(name)));
    }
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Own parameters (not children's), with their state names. */
  private ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([stateName(key), value]);
    }
    return out;
  }

  /** Own buffers with their state names (or, with propertyNames, the names of the properties holding them). */
  private ownBuffers(propertyNames = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const key of this._buffers) {
      const value = (this as unknown as Record<string, Tensor | null>)[key];
      if (value instanceof Tensor) out.push([propertyNames ? key : stateName(key), value]);
    }
    return out;
  }

  /** Every parameter with its dotted name, as PyTorch names them ('0.weight', 'encoder.fc1.bias'). */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue; // shared (tied) parameters are listed once
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter elements (trainable only, if asked). */
  numParameters(trainableOnly = false): number {
    return this.parameters().reduce((n, p) => n + (trainableOnly && !p.requiresGrad ? 0 : p.size), 0);
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every descendant and then on this module (as PyTorch's apply). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every floating point parameter and buffer to `dtype` (integer buffers such as num_batches_tracked keep
   * theirs), like PyTorch's module.to(dtype) / .double(). Parameters are replaced by converted ones (tied parameters
   * stay tied), so build optimisers after calling this.
   */
  to(dtype: 'float32' | 'float64'): this {
    const converted = new Map<Tensor, Tensor>();
    const convert = <T extends Tensor>(t: T, make: (c: Tensor) => T): T => {
      if (!isFloat(t.dtype) || t.dtype === dtype) return t;
      let c = converted.get(t);
      if (!c) converted.set(t, (c = make(noGrad(() => t.detach().to(dtype)))));
      return c as T;
    };
    for (const m of this.modules()) {
      const props = m as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(m)) {
        if (value instanceof Parameter) props[key] = convert(value, (c) => new Parameter(c, value.requiresGrad));
      }
      for (const [key, b] of m.ownBuffers(true)) props[key] = convert(b, (c) => c);
    }
    return this;
  }

  double(): this {
    return this.to('float64');
  }

  float(): this {
    return this.to('float32');
  }

  /** Clears the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by dotted name, in PyTorch's order (each module's own, then its children's). */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    const visit = (m: Module, prefix: string) => {
      for (const [name, p] of m.ownParameters()) sd.set(prefix + name, p.detach());
      for (const [name, b] of m.ownBuffers()) sd.set(prefix + name, b);
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${m.childName(name)}.`);
    };
    visit(this, '');
    return sd;
  }

  /**
   * Copies values from a state dict (a Map or a plain object of tensors) into this module's parameters and
   * buffers. With strict (the default), missing and unexpected keys are errors; shape mismatches always are.
   */
  loadStateDict(state: StateDict | Record<string, Tensor>, strict = true): LoadStateDictResult {
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpectedKeys = [...incoming.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [key, target] of own) {
      const src = incoming.get(key);
      if (src && !shapesEqual(src.shape, target.shape)) {
        problems.push(`size mismatch for ${key}: expected ${shapeStr(target.shape)}, got ${shapeStr(src.shape)}`);
      }
    }
    if (problems.length) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [key, target] of own) {
        const src = incoming.get(key);
        if (src) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Constructor arguments shown in toString(); layers override. */
  protected extraRepr(): string {
    return '';
  }

  /**
   * The architecture as plain data (type, constructor args, children), as the class's registerLayer declaration
   * describes it; custom modules registered with registerModule override this; others cannot describe themselves.
   */
  config(): ModuleConfig {
    const declared = inheritedDeclaration(this);
    if (!declared) throw new Error(`${moduleTypeName(this)}.config: this module cannot describe itself; declare it with registerLayer, or register it with registerModule and implement config()`);
    return { type: declared.type, ...declared.config(this) };
  }

  /** The architecture in PyTorch's print format, followed by the parameter count. */
  toString(): string {
    const total = this.numParameters();
    const trainable = this.numParameters(true);
    return `${this.repr()}\nParameters: ${total.toLocaleString('en-US')}${trainable !== total ? ` (trainable: ${trainable.toLocaleString('en-US')})` : ''}`;
  }

  /** PyTorch-style one-module repr, children indented. */
  repr(): string {
    const children = this.namedChildren();
    const name = moduleTypeName(this);
    if (children.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = children.map(([key, child]) => `  (${this.childName(key)}): ${child.repr().split('\n').join('\n  ')}`);
    const extra = this.extraRepr();
    return `${name}(${extra ? `\n  ${extra}` : ''}\n${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
