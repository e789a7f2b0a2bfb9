/**
 * Module types by name, and what each layer class declares about itself in one registerLayer call beside it: its type
 * name, its config and how to rebuild from one, whether it keeps the tensors it is given, and what its arguments
 * allocate. Model files, Sequential, toString() and error messages read these declarations. Type names are string
 * literals, never `constructor.name`, which minifiers rename (a minified bundle must still print and save 'Linear').
 */
import type { Module } from './module.js';

/** A plain description of a module's architecture, enough to rebuild it (saved in model files). */
export interface ModuleConfig {
  type: string;
  args?: Record<string, unknown>;
  children?: ModuleConfig[] | Record<string, ModuleConfig>;
}

/** What a layer class declares about itself (see registerLayer). */
export interface LayerDeclaration<M extends Module = Module> {
  /** Its name in model files, toString() and error messages: a string literal, which minifiers leave alone. */
  readonly type: string;
  /** What config() saves besides the type: the constructor arguments as plain data in args (containers: children). */
  readonly config: (m: M) => Omit<ModuleConfig, 'type'>;
  /** Rebuilds the layer from a config written by config(); args is {} where the config has none. */
  readonly fromConfig: (c: ModuleConfig & { args: Record<string, unknown> }) => M;
  /** A config must carry "args": one without them is refused before anything is built. */
  readonly needsArgs?: boolean;
  /** The kind of children its config holds (a model file with the other kind is refused). */
  readonly children?: 'list' | 'named';
  /**
   * False when forward keeps no reference to the tensors it is given or returns, so a Sequential of such layers
   * releases the results passed between them early; true (the default) when it may. Containers give a function.
   */
  readonly keepsTensors?: boolean | ((m: M) => boolean);
  /**
   * A lower bound on the parameter and buffer values a layer built from `args` allocates, so a forged model file
   * cannot make the loader allocate gigabytes. `args` come from an untrusted file: count what is not a positive
   * number as 0 (argCount, argProduct) and leave invalid args to the layer's own checks.
   */
  readonly allocates?: (args: Record<string, unknown>) => number;
}

type ModuleFactory = (config: ModuleConfig) => Module;

const factories = new Map<string, { factory: ModuleFactory; declaration?: LayerDeclaration }>();
const declarations = new Map<Function, LayerDeclaration>();

/** Makes a module type rebuildable from its config (custom modules that implement config() themselves). */
export function registerModule(type: string, factory: ModuleFactory): void {
  factories.set(type, { factory });
}

/**
 * Declares what a layer class is (one call beside the class): its config() and toString() name, its config, how to
 * rebuild it, whether it keeps its tensors and what its arguments allocate. Subclasses inherit the config, not the
 * name or the early release: they are the user's own classes, which may do anything in forward.
 */
export function registerLayer<M extends Module>(cls: abstract new (...args: never[]) => M, declaration: LayerDeclaration<M>): void {
  const d = declaration as unknown as LayerDeclaration;
  if (declarations.has(cls)) throw new Error(`registerLayer: this class already declares type '${declarations.get(cls)!.type}'`);
  if (factories.get(d.type)?.declaration) throw new Error(`registerLayer: type '${d.type}' is already declared by another class`);
  declarations.set(cls, d);
  factories.set(d.type, { factory: (c) => d.fromConfig({ ...c, args: c.args ?? {} }), declaration: d });
}

/** The declaration registered for `type`, if a layer class declared it. */
export function layerDeclaration(type: string): LayerDeclaration | undefined {
  return factories.get(type)?.declaration;
}

/** The declaration of m's own class (not one it inherits). */
function ownDeclaration(m: Module): LayerDeclaration | undefined {
  return declarations.get(m.constructor);
}

/** The declaration of m's class or the nearest ancestor that has one. */
export function inheritedDeclaration(m: Module): LayerDeclaration | undefined {
  for (let c: Function | null = m.constructor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const d = declarations.get(c);
    if (d) return d;
  }
  return undefined;
}

/** The name toString() and errors give m: the type its class declares, else (a user's module) its class name. */
export function moduleTypeName(m: Module): string {
  return ownDeclaration(m)?.type ?? m.constructor.name;
}

/**
 * Whether m may keep a reference to a tensor it is given or returns: false only for an instance of a class that
 * declares it keeps none, running that class's own forward (not one replaced on the instance to watch it).
 */
export function keepsTensors(m: Module): boolean {
  const d = ownDeclaration(m);
  if (!d || Object.prototype.hasOwnProperty.call(m, 'forward')) return true;
  return typeof d.keepsTensors === 'function' ? d.keepsTensors(m) : d.keepsTensors ?? true;
}

/** Rebuilds a module from a config written by `module.config()`. */
export function moduleFromConfig(config: ModuleConfig): Module {
  if (!config || typeof config !== 'object' || typeof config.type !== 'string') {
    throw new Error('moduleFromConfig: config must be an object with a string "type"');
  }
  const entry = factories.get(config.type);
  if (!entry) {
    throw new Error(`moduleFromConfig: unknown module type '${config.type}' (register custom modules with registerModule)`);
  }
  if (config.args === undefined && entry.declaration?.needsArgs) {
    throw new Error(`moduleFromConfig: ${config.type} needs "args" (its constructor arguments)`);
  }
  return entry.factory(config);
}

/** An argument from an untrusted config as a count: the number if it is finite and positive, else 0. */
export function argCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The product of a size argument's counts: an array of sizes (its first 64), or one number standing for `dims` equal ones. */
export function argProduct(v: unknown, dims: number): number {
  return Array.isArray(v) ? v.slice(0, 64).reduce((p: number, d) => p * argCount(d), 1) : argCount(v) ** dims;
}
