// A small dependency-free SVG line plot: one or more series of (x, y) points on linear axes
// with ticks, axis labels and a legend. Pure: returns the SVG text.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Logarithmic y axis (base 10); non-positive values are left out. */
  logY?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick values from at or below lo to at or above hi: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const top = Math.ceil(hi / step - 1e-9) * step;
  for (let t = Math.floor(lo / step + 1e-9) * step; t <= top + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  if (Math.abs(v) >= 1e6) return `${v / 1e6}M`;
  if (Math.abs(v) >= 1e4) return `${v / 1e3}k`;
  return String(Number(v.toPrecision(6)));
}

export function linePlotSvg(series: Series[], o: PlotOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 440;
  const m = { left: 70, right: 20, top: 40, bottom: 55 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const fy = (y: number) => (o.logY ? Math.log10(y) : y);
  const pts = series.flatMap((s) =>
    s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logY || p.y > 0)),
  );
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => fy(p.y));
  const x0 = Math.min(0, ...xs);
  const x1 = xs.length ? Math.max(...xs) : 1;
  const y0 = o.logY ? (ys.length ? Math.floor(Math.min(...ys)) : 0) : Math.min(0, ...ys);
  const y1 = o.logY ? (ys.length ? Math.ceil(Math.max(...ys)) : 1) : ys.length ? Math.max(...ys) : 1;
  const xt = niceTicks(x0, x1 > x0 ? x1 : x0 + 1);
  const yt = o.logY
    ? Array.from({ length: Math.max(1, y1 - y0) + 1 }, (_, i) => y0 + i)
    : niceTicks(y0, y1 > y0 ? y1 : y0 + 1);
  const xMax = Math.max(x1, xt[xt.length - 1] ?? x1);
  const yMin = Math.min(y0, yt[0] ?? y0);
  const yMax = Math.max(y1, yt[yt.length - 1] ?? y1);
  const sx = (x: number) => m.left + ((x - x0) / (xMax - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
  ];
  for (const t of xt) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  for (const t of yt) {
    const y = sy(t).toFixed(1);
    const label = o.logY ? fmtTick(10 ** t) : fmtTick(t);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`);
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  for (const [i, s] of series.entries()) {
    const color = COLORS[i % COLORS.length]!;
    const p = s.points
      .filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y) && (!o.logY || q.y > 0))
      .map((q) => `${sx(q.x).toFixed(1)},${sy(fy(q.y)).toFixed(1)}`);
    if (p.length > 1)
      out.push(`<polyline points="${p.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const xy of p) {
      const [cx, cy] = xy.split(",");
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
    const ly = m.top + 14 + i * 16;
    out.push(
      `<line x1="${m.left + 10}" y1="${ly}" x2="${m.left + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${m.left + 36}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
