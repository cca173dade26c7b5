// Clients nobody here wrote, in their default modes: the OpenAI Agents SDK
// (Responses API) running a tool, and the Vercel AI SDK's generateObject /
// streamObject / generateText with tools through @ai-sdk/openai (Responses
// API) and @ai-sdk/anthropic (Messages API), against every provider family.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { z } from 'zod';
import { Agent, run, tool as agentTool, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import { generateObject, streamObject, generateText, tool, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { startFamiliesMock, familyConfig, FAMILIES, startTorii, stopAllOf } from './harness.mjs';

const KEY = 'k-clients';
const TRIP = z.object({ city: z.string(), days: z.number().int() });

describe('real clients: OpenAI Agents SDK and Vercel AI SDK', () => {
  let mock; let torii;

  before(async () => {
    mock = await startFamiliesMock('sk-up');
    torii = await startTorii({ workers: 2, auth: { keys: [KEY] }, ...familyConfig(mock, 'sk-up') });
    setTracingDisabled(true);
    setDefaultOpenAIClient(new OpenAI({ apiKey: KEY, baseURL: torii.v1, maxRetries: 0 }));
  });
  after(() => stopAllOf(torii, mock));

  for (const model of ['openai', 'anthropic', 'gemini']) {
    it(`Agents SDK (Responses mode) runs a function tool on ${model}`, async () => {
      const calls = [];
      const getWeather = agentTool({
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: z.object({ city: z.string() }),
        execute: async ({ city }) => { calls.push(city); return `Sunny in ${city}`; },
      });
      const agent = new Agent({ name: 'Weather', instructions: 'Answer with the tool.', model, tools: [getWeather] });
      const result = await run(agent, 'What is the weather in Paris?');
      assert.deepEqual(calls, ['mock_city']);
      // (Gemini's functionResponse carries the output as {"content": ...}.)
      assert.match(result.finalOutput, /^Mock reply to tool result: .*Sunny in mock_city/);
    });
  }

  const openai = () => createOpenAI({ apiKey: KEY, baseURL: torii.v1 });
  const anthropic = () => createAnthropic({ apiKey: KEY, baseURL: torii.v1 });

  for (const family of FAMILIES) {
    for (const [sdk, provider] of [['@ai-sdk/openai', openai], ['@ai-sdk/anthropic', anthropic]]) {
      // On Bedrock (Converse has no JSON mode) @ai-sdk/openai's text.format
      // becomes one forced tool whose input is the answer.
      it(`Vercel AI SDK ${sdk}: generateObject on ${family}`, async () => {
        const { object } = await generateObject({ model: provider()(family), schema: TRIP, prompt: 'Plan a trip' });
        assert.equal(typeof object.city, 'string');
        assert.equal(Number.isInteger(object.days), true);
      });

      it(`Vercel AI SDK ${sdk}: streamObject on ${family}`, async () => {
        const result = streamObject({ model: provider()(family), schema: TRIP, prompt: 'Plan a streamed trip' });
        let partials = 0;
        for await (const _ of result.partialObjectStream) partials += 1;
        const object = await result.object;
        assert.ok(partials >= 1);
        assert.equal(typeof object.city, 'string');
        assert.equal(Number.isInteger(object.days), true);
      });
    }

    it(`Vercel AI SDK generateText with a tool on ${family} (Responses API)`, async () => {
      const seen = [];
      const result = await generateText({
        model: openai()(family),
        prompt: 'What is the weather in Paris?',
        tools: {
          get_weather: tool({
            description: 'Current weather for a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => { seen.push(city); return `Sunny in ${city}`; },
          }),
        },
        stopWhen: stepCountIs(3),
      });
      assert.deepEqual(seen, ['mock_city']);
      assert.match(result.text, /^Mock reply to tool result: /);
    });
  }
});
