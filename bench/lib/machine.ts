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

/** Family/model numbers and the vector flags that matter for kernels, from /proc/cpuinfo (Linux). */
function details(): string[] {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1].trim();
    const out: string[] = [];
    const family = field('cpu family');
    const model = field('model');
    if (family && model) {
      out.push(`family ${family} model ${model}`);
      // AMD family 25 (19h), models 00h-0Fh: Zen 3 (EPYC Milan)
      if (field('vendor_id') === 'AuthenticAMD' && family === '25' && Number(model) < 16) out.push('Zen 3');
    }
    const flags = (field('flags') ?? '').split(/\s+/);
    out.push(...['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)));
    if (flags.includes('hypervisor')) out.push('virtual machine');
    return out;
  } catch {
    return [];
  }
}

export function machineInfo(): MachineInfo {
  const f = details();
  return {
    cpu: cpuModel() + (f.length ? ` (${f.join(', ')})` : ''),
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** CPU seconds the whole machine has spent busy (all cores, all processes), from /proc/stat; null elsewhere. */
export function machineBusySeconds(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait, in USER_HZ (100 per second)
    const busy = f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return Number.isFinite(busy) ? busy / 100 : null;
  } catch {
    return null;
  }
}
