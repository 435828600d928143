import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES } from '#functions/routes';
import { CONTEXTS, contextOf, contextSlug } from '#lib/contexts/index';
import { buildStacks, type TestStacks } from './support';

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> };
const resourcesOf = (stacks: TestStacks, name: string): Record<string, Resource> => stacks.templateOf(name).toJSON().Resources as Record<string, Resource>;
const pathOf = (r: Resource): string => r.Metadata?.['aws:cdk:path'] ?? '';

let stacks: TestStacks;

beforeAll(() => {
  stacks = buildStacks();
});

describe('context of a function', () => {
  it('comes from the folder of its handler, webhooks by what they report', () => {
    expect(contextOf(FUNCTIONS.getProduct)).toBe('catalog');
    expect(contextOf(FUNCTIONS.getCart)).toBe('checkout');
    expect(contextOf({ id: 'W', entry: 'functions/webhooks/stripe-webhook.handler.ts' })).toBe('checkout');
    expect(contextOf({ id: 'W', entry: 'functions/webhooks/carrier-webhook.handler.ts' })).toBe('orders');
    expect(contextOf(FUNCTIONS.handToWarehouse)).toBe('orders');
    expect(contextOf(FUNCTIONS.sendOrderEmail)).toBe('notifications');
    expect(contextOf(FUNCTIONS.notFound)).toBe('platform');
  });

  it('is known for every registered function, and refuses a folder of no context', () => {
    for (const spec of Object.values(FUNCTIONS)) expect(CONTEXTS, spec.id).toContain(contextOf(spec));
    expect(() => contextOf({ id: 'Stray', entry: 'functions/stray/x.handler.ts' })).toThrow(/functions\/stray\/ belongs to no context/);
    expect(() => contextOf({ id: 'Hook', entry: 'functions/webhooks/paypal-webhook.handler.ts' })).toThrow(/CONTEXT_OF_WEBHOOK/);
  });
});

describe('context stacks', () => {
  it('hold one stack per context, named commerce-<stage>-<context>', () => {
    expect(Object.keys(stacks.contexts).sort()).toEqual([...CONTEXTS].sort());
    for (const context of CONTEXTS) expect(stacks.contexts[context]!.stackName).toBe(`commerce-dev-${contextSlug(context).kebab}`);
  });

  it('put each function in the stack of its context, and nowhere else', () => {
    for (const spec of Object.values(FUNCTIONS)) {
      const home = contextSlug(contextOf(spec)).kebab;
      for (const context of CONTEXTS) {
        const name = contextSlug(context).kebab;
        const found = Object.values(resourcesOf(stacks, name)).filter((r) => r.Type === 'AWS::Lambda::Function' && pathOf(r).includes(`/Functions/${spec.id}/`));
        expect(found.length, `${spec.id} in ${name}`).toBe(name === home ? 1 : 0);
      }
    }
  });

  it('keep routes, their integrations and invoke permissions beside the function, on the API by id', () => {
    for (const context of CONTEXTS) {
      const name = contextSlug(context).kebab;
      const resources = Object.values(resourcesOf(stacks, name));
      const routes = ROUTES.filter((r) => contextOf(r.function) === context && !r.responseStreaming).length + (contextOf(DEFAULT_ROUTE.function) === context ? 1 : 0);
      expect(resources.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').length, name).toBe(routes);
      for (const r of resources.filter((x) => x.Type === 'AWS::ApiGatewayV2::Route' || x.Type === 'AWS::ApiGatewayV2::Integration')) {
        expect(r.Properties?.ApiId, pathOf(r)).toEqual({ 'Fn::ImportValue': expect.stringContaining('commerce-dev-api') });
      }
      for (const permission of resources.filter((r) => r.Type === 'AWS::Lambda::Permission')) {
        // The function, or its `live` alias when it is warmed for sales: a reference within the stack, never an import.
        const target = permission.Properties?.FunctionName as Record<string, unknown>;
        expect(target, pathOf(permission)).toEqual('Ref' in target ? { Ref: expect.stringMatching(/Live[0-9A-F]{8}$/) } : { 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      }
    }
  });

  it('keep rules, schedules and event source mappings with their targets', () => {
    for (const context of CONTEXTS) {
      const name = contextSlug(context).kebab;
      const resources = Object.values(resourcesOf(stacks, name));
      const rules = EVENT_RULES.filter((r) => contextOf(r.targets[0]!) === context).length + SCHEDULES.filter((s) => contextOf(s.target) === context).length;
      expect(resources.filter((r) => r.Type === 'AWS::Events::Rule').length, name).toBe(rules);
      const mappings = EVENT_SOURCE_MAPPINGS.filter((m) => contextOf(m.target) === context).length;
      expect(resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping').length, name).toBe(mappings);
    }
  });

  it('deploy after the API and the stateful stack, and before the stage that names their routes', () => {
    for (const stack of Object.values(stacks.contexts)) {
      expect(stack.dependencies).toEqual(expect.arrayContaining([stacks.api, stacks.stateful]));
      expect(stacks.edge.dependencies).toContain(stack);
    }
  });
});
