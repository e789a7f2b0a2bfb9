/**
 * The Optimizer base class, shared by SGD, Adam, AdamW, RMSprop and Adagrad (PyTorch 1.13 semantics).
 *
 * An optimiser holds parameter groups (each with its own options; `lr` is what schedulers change) and per-parameter
 * state. `step()` visits every parameter that has a gradient and applies the optimiser's update rule: one function
 * `(param, grad, state, options)` that mutates the parameter and its state in place (SGD's and Adam's run a fused
 * kernel of the parameter's device where it has one, else a few tensor ops). Another rule can be picked for the
 * parameters on one device (`registerUpdateRule('adam', 'wasm', fn)`).
 */
import { enableGrad, noGrad } from '../autograd/engine.js';
import { type DType, castScalar, isFloat, typedArrayFor } from '../tensor/dtype.js';
import { shapeStr, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Options every optimiser has. */
export interface BaseOptions {
  lr: number;
}

/** A parameter group: its parameters plus every option of the optimiser (defaults filled in). */
export type ParamGroup<O> = O & {
  params: Tensor[];
  /** The lr a scheduler started from; set by the first scheduler attached (PyTorch's `initial_lr`). */
  initialLr?: number;
};

/** A parameter group as given to a constructor: parameters plus any options that differ from the defaults. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor>; initialLr?: number };

/** What an optimiser accepts: parameters (e.g. `model.parameters()`) or a list of parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * An update rule: changes `param` (and `state`) in place given its gradient and its group's options. Runs under
 * noGrad. State tensors have the parameter's shape, dtype and backend.
 */
export type UpdateRule<S, O> = (param: Tensor, grad: Tensor, state: S, options: ParamGroup<O>) => void;

/** A tensor in a state dict: plain numbers, JSON-serialisable (non-finite values become null in JSON). */
export interface SerializedTensor {
  shape: number[];
  dtype: DType;
  data: (number | null)[];
}

export type SerializedState = Record<string, number | boolean | SerializedTensor | null>;

/** The state of an optimiser as plain data, like PyTorch's: per-parameter state keyed by parameter index. */
export interface OptimizerStateDict {
  state: Record<string, SerializedState>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * The library's own update rules. They keep no reference to the gradient they are given, so `step()` reads gradients
 * for them without handing them out (their memory can then be released when they are replaced), and a rule registered
 * for a device (registerUpdateRule) may stand in for them. An optimiser whose rule is not one of these (a subclass overriding `rule`) gets `.grad`
 * and always runs its own rule.
 */
// eslint-disable-next-line @typescript-eslint/ban-types
const libraryRules = new WeakSet<Function>();

/** @internal Marks `rule` as one of the library's own update rules (see libraryRules). */
// eslint-disable-next-line @typescript-eslint/ban-types
export function libraryRule<F extends Function>(rule: F): F {
  libraryRules.add(rule);
  return rule;
}

// ---- update rules picked per device ----
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const deviceRules = new Map<string, UpdateRule<any, any>>();

/**
 * Registers (or with `null`, removes) an update rule used instead of the optimiser's own for parameters stored on
 * `backend`. `optimizer` is the rule's name: 'sgd', 'adam', 'adamw', 'rmsprop' or 'adagrad'.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerUpdateRule(optimizer: string, backend: string, rule: UpdateRule<any, any> | null): void {
  const key = `${optimizer}:${backend}`;
  if (rule) deviceRules.set(key, rule);
  else deviceRules.delete(key);
}

// ---- helpers for update rules and state ----

/** A tensor of `like`'s shape and dtype filled with `value`, on `like`'s backend. */
export function fullOn(like: Tensor, value: number): Tensor {
  const arr = typedArrayFor(like.dtype, like.size);
  arr.fill(castScalar(value, like.dtype));
  return new Tensor(like.backend.fromTypedArray(arr, like.dtype), like.shape.slice());
}

function serializeTensor(t: Tensor): SerializedTensor {
  return { shape: t.shape.slice(), dtype: t.dtype, data: Array.from(t.data(), (v) => (Number.isFinite(v) ? v : Number.isNaN(v) ? null : v)) };
}

function isSerializedTensor(v: unknown): v is SerializedTensor {
  return typeof v === 'object' && v !== null && Array.isArray((v as SerializedTensor).shape) && Array.isArray((v as SerializedTensor).data);
}

/** Rebuilds a saved state tensor on the parameter's backend, converted to the parameter's (float) dtype. */
function deserializeTensor(v: SerializedTensor, param: Tensor, where: string): Tensor {
  if (!shapesEqual(v.shape, param.shape)) {
    throw new RangeError(`${where}: saved state has shape ${shapeStr(v.shape)} but the parameter has shape ${shapeStr(param.shape)}`);
  }
  if (v.data.length !== sizeOf(v.shape)) {
    throw new RangeError(`${where}: saved state of shape ${shapeStr(v.shape)} needs ${sizeOf(v.shape)} values, got ${v.data.length}`);
  }
  const dtype = isFloat(param.dtype) ? param.dtype : v.dtype;
  const arr = typedArrayFor(dtype, v.data.length);
  for (let i = 0; i < arr.length; i++) arr[i] = castScalar(v.data[i] ?? NaN, dtype);
  return new Tensor(param.backend.fromTypedArray(arr, dtype), v.shape.slice());
}

function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? v.map(copyOption) : v;
}

function isTensorLike(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/**
 * Base class of the optimisers. `O` is the options type (every group carries all of them), `S` the per-parameter
 * state (tensors and numbers).
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends object = object> {
  /** The options groups fall back on. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  /** Display name used in errors ('Adam'). */
  protected abstract readonly displayName: string;
  /** Key of the update rule for registerUpdateRule ('adam'). */
  protected abstract readonly ruleName: string;
  /** The reference update rule (a method, so any optimiser is assignable to a plain `Optimizer`). */
  protected abstract rule(param: Tensor, grad: Tensor, state: S, options: ParamGroup<O>): void;

  /**
   * `defaults`: every option at its default value; `given`: the user's options (undefined = default). Subclasses call
   * `init(params)` at the end of their constructor, once their own fields exist.
   */
  protected constructor(name: string, defaults: O, given: Partial<O>) {
    if (given === null || typeof given !== 'object') throw new TypeError(`${name}: options must be an object, got ${String(given)}`);
    for (const [k, v] of Object.entries(given)) {
      if (!(k in defaults)) throw new TypeError(`${name}: unknown option '${k}' (known: ${Object.keys(defaults).join(', ')})`);
      if (v !== undefined) (defaults as Record<string, unknown>)[k] = copyOption(v);
    }
    this.defaults = Object.freeze(defaults);
  }

  /** Checks one group's options; throws a RangeError naming the optimiser and the option. */
  protected abstract validate(options: O): void;

  /** Fresh state for a parameter (zeros of its shape, a step counter, ...). */
  protected abstract initState(param: Tensor, group: ParamGroup<O>): S;

  protected init(params: Params<O>): void {
    const name = this.displayName;
    if (isTensorLike(params)) {
      throw new TypeError(`${name}: params must be an iterable of Tensors or of parameter groups, got a single Tensor (wrap it in an array)`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params must be an iterable of Tensors or of parameter groups ({params, ...options}), got ${params === null ? 'null' : typeof params}`);
    }
    const items = Array.from(params as Iterable<unknown>);
    if (items.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    if (items.every(isTensorLike)) {
      this.addParamGroup({ params: items } as unknown as ParamGroupInput<O>);
    } else if (items.every((g) => !isTensorLike(g) && typeof g === 'object' && g !== null && 'params' in g)) {
      for (const g of items) this.addParamGroup(g as ParamGroupInput<O>);
    } else {
      throw new TypeError(`${name}: params must be all Tensors or all parameter groups ({params, ...options}), not a mix or other values`);
    }
  }

  /** Adds a group of parameters with its own options (missing options come from the defaults). */
  addParamGroup(group: ParamGroupInput<O>): void {
    const name = this.displayName;
    if (typeof group !== 'object' || group === null) throw new TypeError(`${name}.addParamGroup: a group must be an object {params, ...options}`);
    const known = new Set([...Object.keys(this.defaults), 'params', 'initialLr']);
    for (const key of Object.keys(group)) {
      if (!known.has(key)) {
        throw new TypeError(`${name}: unknown option '${key}' in parameter group (known: ${[...known].filter((k) => k !== 'params').join(', ')})`);
      }
    }
    const raw = group.params as unknown;
    if (isTensorLike(raw)) throw new TypeError(`${name}: a group's params must be an iterable of Tensors, got a single Tensor (wrap it in an array)`);
    if (raw === null || typeof raw !== 'object' || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: a group's params must be an iterable of Tensors`);
    }
    const params = Array.from(raw as Iterable<unknown>);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!isTensorLike(p)) throw new TypeError(`${name}: can only optimize Tensors, but parameter ${i} is ${p === null ? 'null' : typeof p}`);
      if (!isFloat(p.dtype)) throw new TypeError(`${name}: can only optimize floating point Tensors, parameter ${i} has dtype ${p.dtype}`);
      if (!p.requiresGrad) throw new Error(`${name}: parameter ${i} (shape ${shapeStr(p.shape)}) does not require grad; set requiresGrad: true or leave it out (e.g. model.parameters().filter((p) => p.requiresGrad))`);
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor (parameter ${i}, shape ${shapeStr(p.shape)}); pass the leaf (e.g. x.detach().requiresGrad_())`);
      if (seen.has(p)) throw new Error(`${name}: some parameters appear more than once (parameter ${i}, shape ${shapeStr(p.shape)}); each may be in only one group`);
      seen.add(p);
    });
    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) full[k] = copyOption(v);
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) full[k] = copyOption(v);
    full.params = params;
    this.validate(full as unknown as O);
    this.paramGroups.push(full as unknown as ParamGroup<O>);
  }

  /**
   * Updates every parameter that has a gradient (parameters whose grad is null are skipped). With a closure, the
   * closure is run first with gradients on (it should zero grads, compute the loss and call backward) and its
   * result returned.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    const own = libraryRules.has(this.rule);
    noGrad(() => {
      for (const group of this.paramGroups) {
        group.params.forEach((p, i) => {
          const picked = own ? deviceRules.get(`${this.ruleName}:${p.device}`) as UpdateRule<S, O> | undefined : undefined;
          const grad = libraryRules.has(picked ?? this.rule) ? p._peekGrad() : p.grad;
          if (grad === null) return;
          if (!shapesEqual(grad.shape, p.shape)) {
            throw new RangeError(`${this.displayName}.step: gradient of parameter ${i} has shape ${shapeStr(grad.shape)} but the parameter has shape ${shapeStr(p.shape)}`);
          }
          let state = this.state.get(p);
          if (!state) {
            state = this.initState(p, group);
            this.state.set(p, state);
          }
          if (picked) picked(p, grad.detach(), state, group);
          else this.rule(p, grad.detach(), state, group);
        });
      }
    });
    return loss;
  }

  /** Clears the gradients of all parameters: sets them to null (default) or fills them with zeros. */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p._peekGrad();
        if (grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          // a gradient that is itself part of a graph (set by hand) is detached first, as PyTorch does
          const target = grad.requiresGrad ? (p.grad = grad.detach()) : grad;
          noGrad(() => target.zero_());
        }
      }
    }
  }

  /** The optimiser's state as plain JSON-serialisable data (group options + per-parameter state by index). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyOption(v);
      const ids = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...packed, params: ids };
    });
    const state: Record<string, SerializedState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: SerializedState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v === undefined) continue;
        out[k] = isTensorLike(v) ? serializeTensor(v) : (v as number | boolean | null);
      }
      state[String(i)] = out;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state saved by `stateDict()` (possibly through JSON) into an optimiser over the same parameters in
   * the same order: group options (lr included) and per-parameter state.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = `${this.displayName}.loadStateDict`;
    if (!stateDict || typeof stateDict !== 'object' || !Array.isArray(stateDict.paramGroups) || typeof stateDict.state !== 'object' || stateDict.state === null) {
      throw new TypeError(`${name}: expected an object {state, paramGroups} as returned by stateDict()`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${name}: the saved state has ${saved.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    saved.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new RangeError(`${name}: saved parameter group ${i} has ${Array.isArray(g.params) ? g.params.length : 'no'} parameters, this optimizer's has ${this.paramGroups[i].params.length}`);
      }
    });
    const byId = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byId.set(id, this.paramGroups[i].params[j])));
    // build everything first, so a bad state dict leaves the optimiser unchanged
    const newState = new Map<Tensor, S>();
    for (const [id, s] of Object.entries(stateDict.state)) {
      const p = byId.get(Number(id));
      if (!p) throw new RangeError(`${name}: state for parameter ${id}, which no saved group lists`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) out[k] = isSerializedTensor(v) ? deserializeTensor(v, p, `${name} (parameter ${id}, '${k}')`) : v;
      newState.set(p, out as S);
    }
    const newOptions = saved.map((g) => {
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') options[k] = copyOption(v);
      this.validate({ ...this.defaults, ...options } as O);
      return options;
    });
    this.paramGroups.forEach((group, i) => {
      const g = group as unknown as Record<string, unknown>;
      for (const k of Object.keys(g)) if (k !== 'params' && !(k in newOptions[i])) delete g[k];
      Object.assign(g, newOptions[i]);
    });
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

// ---- option checks shared by the optimisers ----

export function checkNonNegative(opt: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${opt}: invalid ${what} ${String(v)} (must be a finite number >= 0)`);
}

export function checkBoolean(opt: string, what: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${opt}: ${what} must be a boolean, got ${String(v)}`);
}

export function checkBetas(opt: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${opt}: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
  betas.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new RangeError(`${opt}: invalid beta parameter at index ${i}: ${String(b)} (must be in [0, 1))`);
  });
}
