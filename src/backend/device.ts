/**
 * Devices: where tensor storage lives. A device owns storage only (allocating, filling, reading back, freeing); the
 * computations on it are kernels, looked up by name and device in one registry (kernels.ts). Each device holds its
 * resolved table of kernels as `kernels`, so an op's call is one property read and a direct call.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { Kernels } from './kernels.js';

export interface Storage {
  readonly backend: Device;
  readonly dtype: DType;
  readonly length: number;
  /** Creation order of storages (from nextStorageSerial()): tells storage made during a computation from older storage. */
  readonly serial: number;
}

/** Storage whose elements the host can read and write as a typed array (the js kernels run over any such storage). */
export interface HostStorage extends Storage {
  /** The elements; for a device that moves its memory, valid until its next kernel. */
  readonly data: TypedArray;
}

let lastSerial = 0;
/** Where the innermost running collectNewStorage() gathers storage, or null. */
let collector: Storage[] | null = null;

/** The serial of a storage being created (every Storage's constructor calls it with itself). */
export function nextStorageSerial(created: Storage): number {
  collector?.push(created);
  return ++lastSerial;
}

/** Runs fn; returns its result and every storage created while it ran. */
export function collectNewStorage<T>(fn: () => T): { result: T; created: Storage[] } {
  const outer = collector;
  const created: Storage[] = [];
  collector = created;
  try {
    return { result: fn(), created };
  } finally {
    collector = outer;
    outer?.push(...created);
  }
}

/** The serial of the newest storage: storage with a larger one was created after this call. */
export function latestStorageSerial(): number {
  return lastSerial;
}

/** A strided window onto storage: element (i0,i1,...) lives at offset + sum(ik * strides[k]). */
export interface View {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export interface Device {
  readonly name: string;
  /**
   * The devices whose kernels this one runs, first choice first (wasm: ['wasm', 'js']): where an impl is missing or
   * declines, the next device's impl runs over the same storage.
   */
  readonly kernelChain: readonly string[];
  /** The resolved kernels (see kernels.ts); kept current by the registry. */
  readonly kernels: Kernels;
  supportsDType(dtype: DType): boolean;

  /** Storage of `dtype` holding a copy of `data`, its values converted as a typed array's set() converts them. */
  fromTypedArray(data: TypedArray, dtype: DType): Storage;
  /** Zero-filled storage. */
  zeros(dtype: DType, length: number): Storage;
  /** Storage of this device holding `data` itself (no copy): a result a js kernel computed for this device. */
  adopt(data: TypedArray, dtype: DType): Storage;
  /** The elements of a view, in row-major order, as a fresh typed array of the view's dtype (devices that can). */
  readSync?(x: View): TypedArray;
  /** The elements of a view, in row-major order, as a fresh typed array of the view's dtype. */
  read(x: View): Promise<TypedArray>;
  /**
   * Optional: frees storage at once that the caller knows nothing will read again (intermediate results of a
   * Sequential run without gradients). Devices whose memory the garbage collector manages need not have it; one
   * that has it must refuse any later use of the storage with an error that gives `what` (what the storage was, and
   * why it was freed: "a gradient used up by backward").
   */
  release?(storage: Storage, what: string): void;
}

/** The name users know: a backend is a device. */
export type Backend = Device;

const registry = new Map<string, () => Device>();
const instances = new Map<string, Device>();
let current: Device | null = null;
let currentName = 'js';
/** The default a platform proposed (setDefaultBackend) and what to do if it cannot be made; null once settled. */
let proposed: { name: string; onFail: (e: Error) => void } | null = null;
/** whether the user chose the backend (setBackend), which a platform's default never overrides */
let chosen = false;

export function registerBackend(name: string, factory: () => Device): void {
  registry.set(name, factory);
}

export function listBackends(): string[] {
  return [...registry.keys()];
}

export function getBackendByName(name: string): Device {
  let b = instances.get(name);
  if (!b) {
    const factory = registry.get(name);
    if (!factory) throw new Error(`setBackend: unknown backend '${name}' (available: ${listBackends().join(', ')})`);
    b = factory();
    instances.set(name, b);
  }
  return b;
}

/** Selects the backend that new tensors are created on. */
export function setBackend(name: string): void {
  current = getBackendByName(name);
  currentName = name;
  proposed = null;
  chosen = true;
}

/**
 * Makes `name` the default backend without making it yet (it is made when the first tensor needs a backend); if it
 * then cannot be made, `onFail` hears why and the default stays 'js'. A backend the user chose with setBackend wins.
 */
export function setDefaultBackend(name: string, onFail: (e: Error) => void): void {
  if (chosen) return;
  current = null;
  currentName = name;
  proposed = { name, onFail };
}

export function getBackend(): Device {
  if (current) return current;
  const p = proposed;
  proposed = null;
  try {
    current = getBackendByName(currentName);
  } catch (e) {
    if (!p) throw e;
    p.onFail(e as Error);
    currentName = 'js';
    current = getBackendByName('js');
  }
  return current;
}
