/** What the numbers were measured on. */
import os from 'node:os';
import fs from 'node:fs';

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  date: string;
}

function cpuModel(): string {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through to os.cpus()
  }
  return os.cpus()[0]?.model?.trim() || 'unknown';
}

function flags(): string[] {
  try {
    const m = /^flags\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].split(/\s+/).filter((f) => ['avx2', 'fma', 'avx512f'].includes(f));
  } catch {
    // no flags on this platform
  }
  return [];
}

export function machineInfo(): MachineInfo {
  const f = flags();
  return {
    cpu: cpuModel() + (f.length ? ` (${f.join(', ')})` : ''),
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}
