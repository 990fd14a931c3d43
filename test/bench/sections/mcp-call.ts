import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, benchEnv } from '../lib/servers';
import { elapsedUs, percentile } from '../lib/stats';
import type { BenchContext, Figure, Section } from '../section';

const P50_TARGET_MS = 2;

/**
 * What an agent pays per tool call: the SDK's own Client over stdio, spawning
 * chronotick-mcp, which forwards to the daemon's socket. Sequential calls.
 */
export const mcpCall: Section = {
  id: 'mcp-call',
  title: 'MCP tool call get_time via chronotick-mcp (SDK Client, stdio)',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const { sizes } = ctx.options;
    const daemon = await ctx.daemon();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN.mcp, '--socket', daemon.socketPath],
      env: benchEnv(),
      stderr: 'pipe',
    });
    // The adapter logs to stderr; read it so a full pipe can never stall the adapter.
    transport.stderr?.on('data', () => undefined);
    const client = new Client({ name: 'chronotick-bench', version: '0.0.0' });
    await client.connect(transport);
    const pid = transport.pid;
    if (pid !== null) ctx.registry.adoptPid(pid);
    try {
      ctx.progress(`mcp: warm-up ${sizes.mcpWarmupCalls} calls, then ${sizes.mcpCalls} measured`);
      await callTimes(client, sizes.mcpWarmupCalls);
      const latenciesMs = (await callTimes(client, sizes.mcpCalls)).map((us) => us / 1000);
      return [
        {
          key: 'mcp_get_time_p50_ms',
          label: 'tool call p50',
          value: percentile(latenciesMs, 50),
          unit: 'ms',
          target: { on: 'value', op: '<=', limit: P50_TARGET_MS },
          note: `${sizes.mcpCalls} sequential calls after ${sizes.mcpWarmupCalls} warm-up`,
        },
        { key: 'mcp_get_time_p99_ms', label: 'tool call p99', value: percentile(latenciesMs, 99), unit: 'ms' },
      ];
    } finally {
      await client.close();
      if (pid !== null) ctx.registry.forgetPid(pid);
    }
  },
};

async function callTimes(client: Client, count: number): Promise<number[]> {
  const latenciesUs: number[] = [];
  for (let i = 0; i < count; i++) {
    const startNs = process.hrtime.bigint();
    const result = await client.callTool({ name: 'get_time', arguments: {} }, undefined, { timeout: 10_000 });
    latenciesUs.push(elapsedUs(startNs, process.hrtime.bigint()));
    if (result.isError) throw new Error(`get_time tool call failed: ${JSON.stringify(result.content).slice(0, 300)}`);
  }
  return latenciesUs;
}
