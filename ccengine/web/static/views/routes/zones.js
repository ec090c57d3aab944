// Wall times in a named time zone ↔ ISO times with an offset, for the override's
// "until" (the model wants the zone given).

function offsetAt(zone, instant) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(instant);
  const name = parts.find((part) => part.type === "timeZoneName")?.value || "GMT";
  return name === "GMT" ? "+00:00" : name.replace("GMT", "");
}

// "2026-12-24T18:00" read in zone → "2026-12-24T18:00:00+01:00"
export function fromZoned(wall, zone) {
  const guess = new Date(`${wall}:00Z`);
  return `${wall}:00${offsetAt(zone, guess)}`;
}

// "2026-12-24T17:00:00Z" → "2026-12-24T18:00" as the zone's wall time
export function toZoned(iso, zone) {
  try {
    return wallTime(iso, zone);
  } catch (error) {
    return ""; // an unknown zone: validation names it
  }
}

function wallTime(iso, zone) {
  const text = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
  return text.replace(" ", "T");
}
