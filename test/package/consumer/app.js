// The browser app: runs the checks and posts the report to the test server (index.html posts uncaught errors).
import { run } from './checks.js';

const report = await run();
report.warnings = globalThis.__warnings ?? [];
globalThis.__post({ report });
