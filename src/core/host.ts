// This machine's name in the store: SCG_HOST when set (pods or containers whose hostnames repeat), else the OS's.
import * as os from 'node:os';

/** Claims, heartbeats and run rows record it; liveness by process id is only trusted for the same name. */
export function hostName(): string {
  return process.env['SCG_HOST'] || os.hostname();
}
