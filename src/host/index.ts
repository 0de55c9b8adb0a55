export { allRequiredPassed, runHostChecks, type HostCheckOptions } from './host-checks.js';
export { repairBinfmt, type RepairOptions, type RepairStep } from './repair-binfmt.js';
export type { CheckLevel, HostCheck } from './host-check.js';
export type { ChildRunner } from '../process/child.js';
export { BINFMT_ROOT, QEMU_HANDLERS, binfmtHandlerCheck, parseBinfmtEntry, type BinfmtEntry } from './binfmt.js';
