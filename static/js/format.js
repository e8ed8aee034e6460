// Number formatting for everything the page shows. Numbers keep ASCII minus
// and "e" exponents so that they stay machine-readable; "—" marks no value.

const NONE = "—";

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/** A short number: 3 significant digits, an exponent for very large or small ones. */
export function fmtNum(v, digits = 3) {
  if (!finite(v)) return NONE;
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(digits)));
}

/** A fraction as a percentage: 0.953 → "95.3 %" with digits = 1. */
export function fmtPercent(v, digits = 0) {
  if (!finite(v)) return NONE;
  return `${(100 * v).toFixed(digits)} %`;
}

/** A loss: 4 decimals, an exponent from 1000 on; a non-finite loss is ∞ (it diverged). */
export function fmtLoss(v) {
  if (!finite(v)) return "∞";
  if (Math.abs(v) >= 1000) return v.toExponential(2).replace("e+", "e");
  return v.toFixed(4);
}

/** A fixed number of decimals (never "-0.00"), an exponent from 1e5 on. */
export function fmtFixed(v, digits = 2) {
  if (!finite(v)) return NONE;
  if (Math.abs(v) >= 1e5) return v.toExponential(2).replace("e+", "e");
  const s = v.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}
