// The same checks under Node, through the package's Node entry: prints the report as JSON.
import { run } from './checks.js';

console.log(JSON.stringify(await run()));
