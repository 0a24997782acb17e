// Prints "UID DTSTART" for every VEVENT of each file, DTSTART as a UTC
// instant as ical.js reads it, with the object's own VTIMEZONEs registered.
// usage: node dtstart.mjs PATH/TO/ical.js/dist/ical.js FILE...
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, ...files] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(entry).href)).default;
for (const f of files) {
  const comp = new ICAL.Component(ICAL.parse(fs.readFileSync(f, 'utf8')));
  ICAL.TimezoneService.reset();
  for (const tz of comp.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(tz);
  }
  for (const ev of comp.getAllSubcomponents('vevent')) {
    const start = ev.getFirstPropertyValue('dtstart');
    const d = new Date(start.toUnixTime() * 1000);
    console.log(ev.getFirstPropertyValue('uid'), d.toISOString().replace('.000Z', 'Z'));
  }
}
