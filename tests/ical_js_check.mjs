// Parse iCalendar files with ical.js (Thunderbird's engine) and print what it understood, as JSON, for the tests.
// Usage: node tests/ical_js_check.mjs FILE.ics [...]
// Output: [{file, calendar: {name, refresh}, timezones: [...], events: [{uid, summary, sequence, allDay,
//           local, tzid, utc, minutes, days, description, alarms}]}]. Exit 1 with a message on a parse error.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function eventInfo(vevent) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  const end = event.endDate;
  // subtractDate() is a wall-clock difference; an elapsed time needs the instants (they differ across a DST change)
  const span = start.isDate ? end.subtractDate(start).toSeconds() : end.toUnixTime() - start.toUnixTime();
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    sequence: event.sequence,
    allDay: start.isDate,
    local: start.toString(),                       // wall-clock time in the event's zone, e.g. 2026-12-07T06:45:00
    tzid: start.isDate ? null : start.zone.tzid,
    utc: start.isDate ? null : start.toUnixTime(), // needs the VTIMEZONE to have been understood
    minutes: start.isDate ? null : span / 60,
    days: start.isDate ? span / 86400 : null,
    alarms: vevent.getAllSubcomponents("valarm").map((a) => String(a.getFirstPropertyValue("trigger"))),
    dtstamp: vevent.getFirstPropertyValue("dtstamp").toString(),
    lastModified: vevent.getFirstPropertyValue("last-modified").toString(),
  };
}

const out = [];
for (const file of process.argv.slice(2)) {
  let root;
  try {
    root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  } catch (err) {
    console.error(`${file}: ical.js cannot parse it: ${err.message}`);
    process.exit(1);
  }
  const timezones = root.getAllSubcomponents("vtimezone").map((vtz) => {
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz);
    return tz.tzid;
  });
  const refresh = root.getFirstProperty("refresh-interval");
  out.push({
    file,
    calendar: {
      name: root.getFirstPropertyValue("name"),
      wrName: root.getFirstPropertyValue("x-wr-calname"),
      refresh: refresh ? String(refresh.getFirstValue()) : null,
      prodid: root.getFirstPropertyValue("prodid"),
    },
    timezones,
    events: root.getAllSubcomponents("vevent").map(eventInfo),
  });
}
process.stdout.write(JSON.stringify(out));
