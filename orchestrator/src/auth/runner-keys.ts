import type { KeyRotation } from '@cubicle/protocol';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { AuditLog } from '../state/audit-log.js';
import type { SigningKeys } from './signing-keys.js';

/** The signing keys and where runners read their public halves, kept in step; rotations are audited. */
export class RunnerKeys {
  constructor(
    private readonly keys: SigningKeys,
    private readonly driver: Pick<SandboxDriver, 'publishRunnerKeys'>,
    private readonly audit: AuditLog,
  ) {}

  /** Before any runner starts or is adopted: keys exist and are published. */
  async init(): Promise<void> {
    await this.keys.init();
    await this.driver.publishRunnerKeys(this.keys.publicSet());
  }

  async rotate(actor: string): Promise<KeyRotation> {
    const rotation = await this.keys.rotate();
    await this.driver.publishRunnerKeys(this.keys.publicSet());
    this.audit.record(actor, 'keys.rotate', '', rotation);
    return rotation;
  }
}
