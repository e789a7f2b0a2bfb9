/**
 * Registers the wasm backend and makes it the default where it loaded. Where it did not, the js backend stays the
 * default and the library says so once, with the reason, instead of silently running several times slower.
 */
import { setBackend } from '../device.js';
import { wasmAvailable, wasmLoadError } from './index.js';

if (wasmAvailable) setBackend('wasm');
else console.warn(`myelin: the wasm backend could not load (${wasmLoadError?.message ?? 'unknown reason'}); running on the js backend, which is several times slower`);
