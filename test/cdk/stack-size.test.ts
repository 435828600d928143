import { describe, expect, it } from 'vitest';
import { buildStacks } from './support';

/** CloudFormation refuses a template of more than 500 resources; a stack must be split well before. */
const MAX_RESOURCES = 450;

describe('stack size', () => {
  it.each(['dev', 'prod'])(`keeps every stack of %s at most ${MAX_RESOURCES} resources (CloudFormation stops at 500)`, (stage) => {
    const stacks = buildStacks({}, { stage });
    const counts = [...stacks.templates()].map(([name, template]) => ({ name, resources: Object.keys(template.toJSON().Resources ?? {}).length }));
    const report = counts.map((c) => `${c.name}: ${c.resources}`).join(', ');
    console.info(`resources per stack (${stage}): ${report}`);
    expect(counts.length).toBeGreaterThan(2);
    expect(
      counts.filter((c) => c.resources > MAX_RESOURCES),
      `stacks above ${MAX_RESOURCES} resources (${report}): split them`,
    ).toEqual([]);
  });
});
