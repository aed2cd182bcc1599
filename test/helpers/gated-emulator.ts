// The SaaS Security emulator, but delta pages wait for `gate` and then a little more: a fetch is always
// mid-flight when a test looks (or kills).
import type { EmulatorResponse, RecordedRequest } from '../../src/emulators/http-emulator.js';
import { SaasSecurityEmulator } from '../../src/emulators/saas-security/emulator.js';

export class GatedEmulator extends SaasSecurityEmulator {
  gate: Promise<void> = Promise.resolve();
  pageDelayMs = 60;
  protected override async handle(req: RecordedRequest): Promise<EmulatorResponse> {
    if (req.path === '/incident/api/incidents/delta') {
      await this.gate;
      await new Promise((r) => setTimeout(r, this.pageDelayMs));
    }
    return super.handle(req);
  }
}
