/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes, and the inspector's Profiler.stop answers) read here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  /** Microseconds between samples. */
  timeDeltas: number[];
}

interface ProfileLine {
  name: string;
  /** Per request. */
  ms: number;
}

interface ProfileSummary {
  /** Time on the CPU in the sampled thread (idle excluded), per request. */
  busy: number;
  /** Where the samples landed. */
  selfByFunction: ProfileLine[];
  /** Time with a package anywhere on the stack: what each package costs with everything it calls. */
  inclusiveByPackage: ProfileLine[];
}

/** `node_modules/react-dom/…` → react-dom; the app's bundle, tsx-loaded sources and Node's own code by where they live. */
function packageOf(url: string): string | null {
  if (url === "") return null;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  if (url.startsWith("node:")) return url;
  if (url.includes("/build/")) return "app (build)";
  if (url.includes("/scripts/")) return "app server (scripts/)";
  if (url.includes("/app/") || url.includes("/db/") || url.includes("/roles/"))
    return "app sources";
  return null;
}

const IDLE = new Set(["(idle)", "(program)"]);

export function summarizeProfile(profile: CpuProfile, requests: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  const stackOf = (id: number) => {
    const frames = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      frames.push(byId.get(at)!.callFrame);
    return frames;
  };
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (IDLE.has(functionName)) return;
    const stack = stackOf(id);
    busy += micros;
    const where = url
      ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(build|scripts|app|db)\//, "$1/")}:${lineNumber + 1}`
      : "";
    const name = `${functionName || "(anonymous)"} ${where}`.trim();
    self.set(name, (self.get(name) ?? 0) + micros);
    const packages = new Set(
      stack.map((frame) => packageOf(frame.url)).filter((owner) => owner !== null),
    );
    for (const owner of packages) inclusive.set(owner, (inclusive.get(owner) ?? 0) + micros);
  });
  const perRequest = (entries: Map<string, number>) =>
    [...entries]
      .map(([name, micros]) => ({ name, ms: micros / 1000 / requests }))
      .sort((a, b) => b.ms - a.ms);
  return {
    busy: busy / 1000 / requests,
    selfByFunction: perRequest(self),
    inclusiveByPackage: perRequest(inclusive),
  };
}
