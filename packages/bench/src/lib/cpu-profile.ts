import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface Frame {
  frame: string;
  self_ms: number;
  self_percent: number;
}

/** Top functions by self time in a V8 .cpuprofile (node --cpu-prof). */
export async function topFrames(file: string, count = 20): Promise<{ total_ms: number; frames: Frame[] }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += delta;
    const key = describe(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
  });
  const frames = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, us]) => ({
      frame,
      self_ms: Math.round(us / 1000),
      self_percent: Math.round((us / Math.max(1, totalUs)) * 1000) / 10,
    }));
  return { total_ms: Math.round(totalUs / 1000), frames };
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, 'npm:');
  const trimmed = short.replace(
    /.*\/(user-service|catalog-service|recommendation-service|packages)\//,
    '$1/',
  );
  return `${name} ${trimmed}:${lineNumber + 1}`;
}
