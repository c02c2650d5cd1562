import { readdirSync, readFileSync } from 'node:fs';

/** A process and all its descendants (Linux /proc: each thread's `children` list). */
export function processTree(root: number): number[] {
  const seen: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    seen.push(pid);
    let children: string[] = [];
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/));
      }
    } catch {
      children = children.filter(Boolean); // exited meanwhile: keep what was read
    }
    for (const child of children) if (child) queue.push(Number(child));
  }
  return seen;
}

/** Resident memory of a whole process tree in MiB (what `npm start` costs the machine). */
export function treeRssMiB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kib += Number(match[1]);
    } catch {
      // exited meanwhile
    }
  }
  return Math.round(kib / 1024);
}

export interface ProcessMemory {
  pid: number;
  command: string;
  rss_mib: number;
}

/** Each process of a tree with its command line and resident memory. */
export function treeProcesses(root: number): ProcessMemory[] {
  const processes: ProcessMemory[] = [];
  for (const pid of processTree(root)) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (match)
        processes.push({ pid, command: command.slice(0, 120), rss_mib: Math.round(Number(match[1]) / 1024) });
    } catch {
      // exited meanwhile
    }
  }
  return processes;
}
