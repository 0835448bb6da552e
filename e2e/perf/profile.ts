import { writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { Page, Frame } from '@playwright/test';

// profile.ts: Chromium's sampling CPU profiler (CDP Profiler domain) around
// a piece of a perf script, with the self time summed per original source
// line through the bundle's source maps, so a profile of the minified
// bundle names static/planner/editor/model.js:215 rather than main.X.js:1:3021.
// The planner runs in a cross-origin iframe (its own renderer process), so
// the session is opened on that frame.

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** A row of the summary: self time of one original function (by its source line). */
export type Hot = { at: string; fn: string; selfMs: number; pct: number };

/**
 * startProfile starts the sampler in frame's renderer (interval in µs) and
 * returns stop(), which ends it and sums self time per source location.
 */
export async function startProfile(page: Page, frame: Frame, intervalUs = 100) {
  const cdp = await page.context().newCDPSession(frame);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return async function stop(top = 25, file = ''): Promise<{ totalMs: number; hot: Hot[] }> {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    await cdp.detach();
    if (file) writeFileSync(file, JSON.stringify(profile)); // opens in DevTools' Performance panel
    return summarize(profile, top);
  };
}

const maps = new Map<string, Promise<SourceMap | null>>();

function mapOf(url: string): Promise<SourceMap | null> {
  if (!/\/static\/.*\.js$/.test(url)) return Promise.resolve(null);
  let m = maps.get(url);
  if (!m) {
    m = fetch(url + '.map').then(async (r) => (r.ok ? new SourceMap(await r.json()) : null), () => null);
    maps.set(url, m);
  }
  return m;
}

async function summarize(p: Profile, top: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const rows = new Map<string, { fn: string; us: number }>();
  let total = 0;
  for (const [id, us] of self) {
    total += us;
    const cf = byId.get(id)!.callFrame;
    let at = cf.url ? `${cf.url.split('/').pop()}:${cf.lineNumber + 1}` : `(${cf.functionName || 'program'})`;
    let fn = cf.functionName || '(anonymous)';
    const sm = cf.url ? await mapOf(cf.url) : null;
    if (sm) {
      const e = sm.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number; name?: string };
      if (e && e.originalSource) {
        at = `${e.originalSource.replace(/^.*?static\//, '')}:${(e.originalLine ?? 0) + 1}`;
        if (e.name) fn = e.name;
      }
    }
    if (!cf.url && /^\(?(idle|program|garbage collector)\)?$/.test(cf.functionName)) at = `(${cf.functionName.replace(/[()]/g, '')})`;
    const r = rows.get(at) ?? { fn, us: 0 };
    r.us += us;
    rows.set(at, r);
  }
  const idle = rows.get('(idle)')?.us ?? 0;
  const busy = total - idle;
  const hot = [...rows].filter(([at]) => at !== '(idle)').sort((a, b) => b[1].us - a[1].us).slice(0, top)
    .map(([at, r]) => ({ at, fn: r.fn, selfMs: +(r.us / 1000).toFixed(1), pct: +((100 * r.us) / (busy || 1)).toFixed(1) }));
  return { totalMs: +(busy / 1000).toFixed(1), hot };
}

type TraceEvent = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number;
  args?: { name?: string; elementCount?: number; beginData?: { totalObjects?: number }; data?: { frames?: { url?: string; processId?: number }[] } } };

/**
 * startTrace records a Chromium trace (the DevTools timeline categories) and
 * returns stop(), which sums the main-thread CPU time (the events' thread
 * duration, so time spent waiting for a core on a loaded machine is left
 * out) of the renderer that shows urlPrefix per event name: RunTask is all
 * of it, UpdateLayoutTree is style, then Layout, PrePaint, Paint, Layerize;
 * FunctionCall is script. Together they are what the CPU profile calls
 * "(program)".
 */
export async function startTrace(page: Page, urlPrefix: string) {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink'] });
  return async function stop(file = ''): Promise<Record<string, number>> {
    const buf = await browser.stopTracing();
    if (file) writeFileSync(file, buf);
    const parsed = JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
    const evs = Array.isArray(parsed) ? parsed : parsed.traceEvents;
    const main = new Map<number, number>(); // pid → tid of CrRendererMain
    for (const e of evs) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') main.set(e.pid, e.tid);
    const pids = new Set<number>();
    for (const e of evs) for (const f of e.args?.data?.frames ?? []) if (f.url?.startsWith(urlPrefix) && f.processId) pids.add(f.processId);
    const sum: Record<string, number> = {};
    // Work done, whatever the machine's load: elements whose style was
    // computed, and the most layout objects a layout walked.
    let styled = 0, objects = 0;
    for (const e of evs) {
      if (!pids.has(e.pid) || main.get(e.pid) !== e.tid) continue;
      if (e.name === 'UpdateLayoutTree') styled += e.args?.elementCount ?? 0;
      if (e.name === 'Layout') objects = Math.max(objects, e.args?.beginData?.totalObjects ?? 0);
      if (e.ph !== 'X' || !(e.tdur ?? e.dur)) continue;
      sum[e.name] = (sum[e.name] ?? 0) + (e.tdur ?? e.dur ?? 0) / 1000;
    }
    const top = Object.entries(sum).sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => [k, +v.toFixed(1)]);
    return { styledElements: styled, layoutObjects: objects, ...Object.fromEntries(top) };
  };
}
