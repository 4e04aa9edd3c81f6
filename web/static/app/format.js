// How dabba's values read in the user's language.

// minorDigits is how many minor-unit digits a currency has (2 for INR, 0
// for JPY, 3 for BHD), as Intl knows it.
function minorDigits(currency) {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}

// decimal writes an integer amount of minor units as an exact decimal
// string ("32050", 2 → "320.50"). Money never passes through a float:
// Intl.NumberFormat formats the string itself.
export function decimal(amount, digits) {
  const minor = BigInt(amount);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  if (digits === 0) return `${negative ? "-" : ""}${abs}`;
  const scale = 10n ** BigInt(digits);
  return `${negative ? "-" : ""}${abs / scale}.${String(abs % scale).padStart(digits, "0")}`;
}

// money formats a dabba Money {amount (minor units), currency}.
export function money(m, locale) {
  if (!m || typeof m.currency !== "string") return "—";
  const digits = minorDigits(m.currency);
  return new Intl.NumberFormat(locale, { style: "currency", currency: m.currency }).format(decimal(m.amount, digits));
}

// label turns a code ("picked_up") into words ("Picked up").
export function label(code) {
  const s = String(code ?? "").replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// time formats an instant as a short local time of day.
export function time(iso, locale) {
  return iso ? new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(new Date(iso)) : "—";
}

// dateTime formats an instant as a short local date and time.
export function dateTime(iso, locale) {
  return iso ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "—";
}

// relative says how far an instant is from now ("in 12 minutes", "3 minutes ago").
export function relative(iso, now = Date.now(), locale) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}

// distance formats metres: "850 m" below a kilometre, "2.1 km" above.
export function distance(metres, locale) {
  if (metres < 1000) {
    return new Intl.NumberFormat(locale, { style: "unit", unit: "meter", maximumFractionDigits: 0 }).format(metres);
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 }).format(metres / 1000);
}

// speed formats metres per second as kilometres per hour.
export function speed(mps, locale) {
  return new Intl.NumberFormat(locale, { style: "unit", unit: "kilometer-per-hour", maximumFractionDigits: 0 }).format(mps * 3.6);
}

// percent formats a ratio (0.95 → "95%").
export function percent(ratio, locale) {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

// count formats an integer with the locale's grouping.
export function count(n, locale) {
  return new Intl.NumberFormat(locale).format(n);
}

// bytes formats a size in bytes ("472 B", "1.2 MB").
export function bytes(n, locale) {
  if (n < 1024) return `${count(n, locale)} B`;
  const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: 1 }).format(v);
}

// millis formats a duration in milliseconds ("0.42 ms").
export function millis(ms, locale) {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(ms)} ms`;
}
