/**
 * The backend layer's surface in one import: devices own storage (device.ts), kernels compute on it and are looked
 * up by name and device (kernels.ts).
 */
export * from './device.js';
export * from './kernels.js';
