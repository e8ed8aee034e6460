// A diverging colour scale (orange for negative, white at 0, blue for positive,
// as tensorflow/playground colours its nodes and weights) and the drawing of
// per-neuron maps: bytes over each map's own [lo, hi] (the `u8-range` encoding).

const NEG = [245, 147, 34];   // orange
const MID = [232, 234, 235];  // light grey: 0
const POS = [8, 119, 189];    // blue

/** [r, g, b] for t in [-1, 1]. */
export function diverging(t) {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = u < 0 ? NEG : POS;
  const a = Math.abs(u);
  return [MID[0] + (end[0] - MID[0]) * a, MID[1] + (end[1] - MID[1]) * a, MID[2] + (end[2] - MID[2]) * a];
}

export function divergingCss(t) {
  const [r, g, b] = diverging(t);
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

export function decodeBase64(data) {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Draw map `m` of a u8-range set into `canvas` (R×R pixels, y upward): the
 * value lo + q·(hi − lo)/255, coloured on a scale symmetric around 0 whose end
 * is `scale` (default: the map's own largest |value|).
 */
export function drawMap(canvas, bytes, m, R, lo, hi, { scale, discrete = false } = {}) {
  if (canvas.width !== R) { canvas.width = R; canvas.height = R; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(R, R);
  const end = scale || Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const step = (hi - lo) / 255;
  const base = m * R * R;
  for (let i = 0; i < R; i += 1) {
    const row = (R - 1 - i) * R * 4; // grid row 0 is ymin: the bottom of the picture
    for (let j = 0; j < R; j += 1) {
      let t = (lo + bytes[base + i * R + j] * step) / end;
      if (discrete) t = t > 0 ? 1 : t < 0 ? -1 : 0;
      const [r, g, b] = diverging(t);
      const o = row + j * 4;
      img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
