/**
 * The devices the conformance suite runs on, and how a suite file declares its cases once for all of them.
 *
 * A new device needs no edit here or in the suite: once it is registered (registerBackend, through the package's
 * imports), `listBackends()` names it and every file in test/conformance runs against it, comparing with the js
 * reference on identical inputs. Cases whose dtypes the device does not claim (supportsDType) are declared as skipped
 * tests, and each family ends with a test that counts them, so a skip is always visible. Run the suite alone with
 * `npx tsc -p . && node --test dist/test/conformance/`; harness.test.ts checks the harness itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getBackend, listBackends, type DType } from '../../src/index.js';
import { withBackend } from '../helpers/backend.js';
import { type Case, REFERENCE, caseTitle, conform, dtypesOf } from './compare.js';

/** Every registered device but the reference. */
export const DEVICES: readonly string[] = listBackends().filter((name) => name !== REFERENCE);

/**
 * Devices whose random draws (dropout's mask) do not follow the reference's sequence for the same Generator seed.
 * Today every device draws from the seeded Generator on the host, so this is empty; a device that draws on its own
 * is added here and its dropout is then checked by the mask's properties instead of element by element.
 */
export const OWN_RANDOM_DRAWS: ReadonlySet<string> = new Set<string>();

export function supportsDType(device: string, dtype: DType): boolean {
  return withBackend(device, () => getBackend().supportsDType(dtype));
}

/** One device's run of one op family: `check` declares a case as a test (or as a counted skip). */
export class DeviceSuite {
  private declared = 0;
  private passed = 0;
  private readonly skipped: string[] = [];

  constructor(readonly device: string) {}

  /** Declares `c` as one test on this device: forward values and gradients against the reference, every layout. */
  check(c: Case): void {
    this.declared++;
    const title = caseTitle(c);
    const missing = dtypesOf(c).filter((d) => !supportsDType(this.device, d));
    if (missing.length > 0) {
      const why = `${this.device} does not support ${missing.join(', ')}`;
      this.skipped.push(`${title} (${why})`);
      it(title, (t) => t.skip(why));
      return;
    }
    it(title, () => {
      conform(this.device, c);
      this.passed++;
    });
  }

  /** How many cases were declared, how many passed and how many were skipped (so far). */
  get counts(): { declared: number; passed: number; skipped: number } {
    return { declared: this.declared, passed: this.passed, skipped: this.skipped.length };
  }

  /** The last test of a family: every declared case either ran or was skipped for a dtype the device lacks. */
  declareCoverage(): void {
    it('passed every case, or skipped it for a dtype the device does not support', (t) => {
      assert.ok(this.declared > 0, `no cases were declared for ${this.device}`);
      t.diagnostic(`${this.device}: ${this.passed} cases passed, ${this.skipped.length} skipped, of ${this.declared}`);
      for (const s of this.skipped) t.diagnostic(`skipped: ${s}`);
      assert.equal(this.passed + this.skipped.length, this.declared,
        `${this.device}: ${this.declared - this.passed - this.skipped.length} of ${this.declared} cases failed (see above)`);
    });
  }
}

/**
 * Runs `body` once per device (other than the reference) inside describe(`${family} on ${device}`). With no such
 * device registered the family reports one skipped test saying so.
 */
export function eachDevice(family: string, body: (suite: DeviceSuite) => void): void {
  if (DEVICES.length === 0) {
    it(`${family}: no device besides ${REFERENCE} is registered`, (t) => t.skip('nothing to compare'));
    return;
  }
  for (const device of DEVICES) {
    describe(`${family} on ${device}`, () => {
      const suite = new DeviceSuite(device);
      body(suite);
      suite.declareCoverage();
    });
  }
}
