// A self-contained map of a delivery drawn in SVG: the restaurant, the
// customer and the courier on a local projection of latitude and longitude,
// with a metric grid and a scale bar. No tiles: dabba's machines reach no
// tile server, and for following one courier across a city the relative
// positions and the distance are what matter.

import { distance } from "./format.js";
import { s } from "./ui.js";

// metresPerDegree on a sphere of the Earth's mean radius.
const metresPerDegree = (6371008.8 * Math.PI) / 180;

// projection maps points {lat, lng} into a width × height box with pad
// pixels of margin, keeping distances true in every direction (a local
// equirectangular projection: fine across a city). The box spans at least
// minSpan metres, so points close together are not blown up.
export function projection(points, { width = 400, height = 300, pad = 32, minSpan = 800 } = {}) {
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const lat0 = (Math.min(...lats) + Math.max(...lats)) / 2;
  const lng0 = (Math.min(...lngs) + Math.max(...lngs)) / 2;
  const kx = metresPerDegree * Math.cos((lat0 * Math.PI) / 180);
  const local = (p) => ({ x: (p.lng - lng0) * kx, y: (p.lat - lat0) * metresPerDegree });
  const xs = points.map((p) => local(p).x);
  const ys = points.map((p) => local(p).y);
  const spanX = Math.max(Math.max(...xs) - Math.min(...xs), minSpan);
  const spanY = Math.max(Math.max(...ys) - Math.min(...ys), minSpan);
  const metresPerPixel = Math.max(spanX / (width - 2 * pad), spanY / (height - 2 * pad));
  return {
    metresPerPixel,
    toXY(p) {
      const m = local(p);
      return { x: width / 2 + m.x / metresPerPixel, y: height / 2 - m.y / metresPerPixel };
    },
  };
}

// niceLength is the longest 1, 2 or 5 × 10ⁿ metres not above m: the length
// of a scale bar.
export function niceLength(m) {
  const p = 10 ** Math.floor(Math.log10(m));
  return [5, 2, 1].map((f) => f * p).find((v) => v <= m) ?? p;
}

// straightDistance is the great-circle distance between two points, in metres.
export function straightDistance(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

// marker draws a labelled point; the label goes on the side with room.
function marker(kind, at, labelText, width, extra = {}) {
  const right = at.x < width * 0.6;
  return s(
    "g",
    { class: `marker ${kind}`, transform: `translate(${at.x.toFixed(1)} ${at.y.toFixed(1)})`, ...extra },
    s("title", {}, labelText),
    kind === "restaurant" ? s("rect", { x: -7, y: -7, width: 14, height: 14, rx: 3 }) : s("circle", { r: 7 }),
    s("text", { x: right ? 11 : -11, y: 4, "text-anchor": right ? "start" : "end" }, labelText),
  );
}

// drawMap draws the delivery into svg (replacing what it held):
// restaurant and customer are {lat, lng, label}; courier, when known, is
// {lat, lng, heading}; trail is the courier's earlier positions, oldest
// first. It returns a sentence describing the map for assistive technology.
export function drawMap(svg, { restaurant, customer, courier, trail = [] }) {
  const width = 400;
  const height = 300;
  const points = [restaurant, customer, courier, ...trail].filter(Boolean);
  const proj = projection(points, { width, height });
  const spanMetres = width * proj.metresPerPixel;
  const step = niceLength(spanMetres / 4);
  const stepPx = step / proj.metresPerPixel;

  const grid = s("g", { class: "grid" });
  for (let x = (width / 2) % stepPx; x < width; x += stepPx) grid.append(s("line", { x1: x, y1: 0, x2: x, y2: height }));
  for (let y = (height / 2) % stepPx; y < height; y += stepPx) grid.append(s("line", { x1: 0, y1: y, x2: width, y2: y }));

  const r = proj.toXY(restaurant);
  const c = proj.toXY(customer);
  const layers = [
    s("rect", { class: "ground", x: 0, y: 0, width, height }),
    grid,
    s("line", { class: "route", x1: r.x, y1: r.y, x2: c.x, y2: c.y }),
  ];
  if (courier && trail.length > 0) {
    const path = [...trail, courier].map((p) => proj.toXY(p)).map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`);
    layers.push(s("polyline", { class: "trail", points: path.join(" ") }));
  }
  layers.push(marker("restaurant", r, restaurant.label, width), marker("customer", c, customer.label, width));
  let sentence = `The restaurant is ${distance(straightDistance(restaurant, customer))} from the delivery address.`;
  if (courier) {
    const k = proj.toXY(courier);
    const m = marker("courier", k, "Courier", width, { id: "courier", "data-lat": courier.lat, "data-lng": courier.lng });
    if (Number.isFinite(courier.heading)) {
      m.append(s("path", { class: "heading", d: "M0,-15 L4,-9 L-4,-9 Z", transform: `rotate(${courier.heading})` }));
    }
    layers.push(m);
    sentence += ` The courier is ${distance(straightDistance(courier, customer))} from it in a straight line.`;
  }
  const bar = s(
    "g",
    { class: "scale", transform: `translate(12 ${height - 14})` },
    s("path", { d: `M0,-5 V0 H${stepPx.toFixed(1)} V-5` }),
    s("text", { x: stepPx / 2, y: -8, "text-anchor": "middle" }, distance(step)),
  );
  layers.push(bar);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren(...layers);
  return sentence;
}
