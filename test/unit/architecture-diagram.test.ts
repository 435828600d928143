import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { architectureSection, contextOf, DIAGRAM_FILE, END_MARKER, START_MARKER } from '#bin/architecture-diagram';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS } from '#functions/registry';
import { ROUTES } from '#functions/routes';

// docs/architecture.md is generated from the route table, the registry and the event wiring: it
// must say what they say today, so the picture a newcomer reads first cannot go stale.
const document = readFileSync(new URL(`../../${DIAGRAM_FILE}`, import.meta.url), 'utf8');
const generated = document.slice(document.indexOf(START_MARKER), document.indexOf(END_MARKER) + END_MARKER.length);

describe('the architecture diagram (docs/architecture.md)', () => {
  it('is the one generated from ROUTES, FUNCTIONS and the event lists', () => {
    expect(document, `${DIAGRAM_FILE} has no generated section: run npm run docs:diagram`).toContain(START_MARKER);
    if (generated !== architectureSection()) {
      expect.fail(`${DIAGRAM_FILE} is stale (the route table, the registry or the event wiring changed): run npm run docs:diagram`);
    }
  });

  it('shows every route, every context with routes, every rule, event source and schedule', () => {
    for (const route of ROUTES) expect(generated).toContain(`${route.method} ${route.path.replace(/^\/v1\/shops\/\{shopId\}/, '…')}`);
    for (const context of new Set(ROUTES.map((route) => contextOf(route.function)))) expect(generated).toContain(`shared/${context}/`);
    for (const rule of EVENT_RULES) for (const target of rule.targets) expect(generated).toMatch(new RegExp(`bus -->\\|"${rule.id}: [^"]*"\\| fn_${target.id}\\b`));
    for (const mapping of EVENT_SOURCE_MAPPINGS) expect(generated).toContain(`|"${mapping.id}"| fn_${mapping.target.id}`);
    for (const schedule of SCHEDULES) expect(generated).toContain(`schedule_${schedule.id} --> fn_${schedule.target.id}`);
    expect(generated).toContain(`${Object.keys(FUNCTIONS).length} functions in all`);
  });
});
