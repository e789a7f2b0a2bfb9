/** Registers the wasm backend and makes it the default where it loaded (the js backend stays the default elsewhere). */
import { setBackend } from '../device.js';
import { wasmAvailable } from './index.js';

if (wasmAvailable) setBackend('wasm');
